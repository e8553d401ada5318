"""portal.edits: a save keeps what it did not change and reports what two saves both changed."""

from django import forms

from portal.edits import (
    EditBase,
    VersionedFormMixin,
    edit_base_dumps,
    edit_base_loads,
    edit_conflict_rows,
    edit_merge,
)

OPENED = EditBase(version=3, values={"price": 1800, "description": "Old", "sku": "A"})


def test_a_field_this_form_did_not_touch_keeps_the_value_saved_meanwhile():
    theirs = EditBase(version=4, values={"price": 1950, "description": "Old", "sku": "A"})
    mine = {"price": 1800, "description": "New", "sku": "A"}

    merge = edit_merge(opened=OPENED, mine=mine, theirs=theirs)

    assert merge.values == {"price": 1950, "description": "New", "sku": "A"}
    assert merge.changed == {"description"}
    assert merge.conflicts == []
    assert merge.stale and merge.others_kept


def test_both_changing_the_same_field_is_a_conflict_and_the_saved_value_is_kept():
    theirs = EditBase(version=4, values={"price": 1950, "description": "Old", "sku": "A"})
    mine = {"price": 2000, "description": "Old", "sku": "B"}

    merge = edit_merge(opened=OPENED, mine=mine, theirs=theirs)

    assert [(c.key, c.mine, c.theirs) for c in merge.conflicts] == [("price", 2000, 1950)]
    assert merge.values["price"] == 1950  # kept until the merchant chooses
    assert merge.values["sku"] == "B"  # this form's other change is still there
    assert not merge.others_kept


def test_the_same_change_on_both_sides_is_no_conflict():
    theirs = EditBase(version=4, values={**OPENED.values, "price": 1950})
    merge = edit_merge(opened=OPENED, mine={**OPENED.values, "price": 1950}, theirs=theirs)
    assert merge.conflicts == [] and merge.values["price"] == 1950


def test_nothing_changed_elsewhere_saves_this_form_as_sent():
    mine = {"price": 1700, "description": "Old", "sku": "A"}
    merge = edit_merge(opened=OPENED, mine=mine, theirs=OPENED)
    assert merge.values == mine and not merge.stale and merge.changed == {"price"}


def test_a_key_removed_or_added_elsewhere_follows_the_other_save():
    opened = EditBase(version=1, values={"variant:S:price": 100, "variant:M:price": 100})
    theirs = EditBase(version=2, values={"variant:S:price": 100, "variant:L:price": 300})
    merge = edit_merge(opened=opened, mine={"variant:S:price": 150, "variant:M:price": 100}, theirs=theirs)
    assert merge.values == {"variant:S:price": 150, "variant:L:price": 300}
    assert merge.conflicts == []


def test_changing_what_the_other_save_removed_is_a_conflict():
    opened = EditBase(version=1, values={"variant:M:price": 100})
    theirs = EditBase(version=2, values={})
    merge = edit_merge(opened=opened, mine={"variant:M:price": 150}, theirs=theirs)
    (conflict,) = merge.conflicts
    assert conflict.present_mine and not conflict.present_theirs
    assert "variant:M:price" not in merge.values


def test_lists_compare_after_the_round_trip_through_the_page():
    opened = EditBase(version=1, values={"options": [["Size", ["S", "M"]]]})
    merge = edit_merge(opened=opened, mine={"options": [("Size", ("S", "M"))]}, theirs=opened)
    assert merge.changed == frozenset()


def test_without_what_the_form_was_opened_with_the_form_wins_as_before():
    theirs = EditBase(version=4, values={"price": 1950, "description": "Old"})
    merge = edit_merge(opened=None, mine={"price": 1800, "description": "New"}, theirs=theirs)
    assert merge.values == {"price": 1800, "description": "New"} and merge.conflicts == []


def test_the_base_is_signed_and_comes_back_intact():
    text = edit_base_dumps(OPENED)
    assert edit_base_loads(text) == OPENED
    assert edit_base_loads(text[:-2] + "xx") is None
    assert edit_base_loads("") is None and edit_base_loads(None) is None


def test_conflict_rows_speak_the_readers_words():
    theirs = EditBase(version=4, values={**OPENED.values, "price": 1950})
    merge = edit_merge(opened=OPENED, mine={**OPENED.values, "price": 2000}, theirs=theirs)
    (row,) = edit_conflict_rows(merge.conflicts, label=lambda key: key.title(), display=lambda key, v: f"€{v / 100}")
    assert (row.label, row.theirs, row.mine) == ("Price", "€19.5", "€20.0")


class _Form(VersionedFormMixin, forms.Form):
    name = forms.CharField()


def test_the_mixin_carries_the_base_in_a_hidden_field():
    opened = _Form()
    opened.edit_base_set(OPENED)
    html = str(opened["edit_base"])
    assert 'type="hidden"' in html and 'name="edit_base"' in html

    sent = _Form(data={"name": "x", "edit_base": opened.initial["edit_base"]})
    assert sent.is_valid() and sent.edit_opened() == OPENED
    assert _Form(data={"name": "x"}).edit_opened() is None

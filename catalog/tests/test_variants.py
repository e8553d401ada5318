from catalog.variants import OptionSpec, combination_project, combinations, combinations_carry_over

SIZE = OptionSpec("Size", ("S", "M"))
COLOUR = OptionSpec("Colour", ("Blue", "Red"))


def test_no_options_is_one_empty_combination():
    assert combinations([]) == [()]


def test_combinations_first_option_varies_slowest():
    assert combinations([SIZE, COLOUR]) == [
        (("Size", "S"), ("Colour", "Blue")),
        (("Size", "S"), ("Colour", "Red")),
        (("Size", "M"), ("Colour", "Blue")),
        (("Size", "M"), ("Colour", "Red")),
    ]


def test_adding_an_option_lands_on_its_first_value():
    assert combination_project((("Size", "M"),), [SIZE, COLOUR]) == (("Size", "M"), ("Colour", "Blue"))
    assert combination_project((), [SIZE]) == (("Size", "S"),)


def test_removed_value_lands_nowhere_and_case_is_ignored():
    assert combination_project((("size", "l"),), [SIZE]) is None
    assert combination_project((("size", "m"),), [SIZE]) == (("Size", "M"),)


def test_carry_over_keeps_items_of_surviving_combinations():
    old = [((("Size", "S"),), "row-s"), ((("Size", "M"),), "row-m")]
    result = combinations_carry_over(old, [OptionSpec("Size", ("M", "L"))])
    assert result == [((("Size", "M"),), "row-m"), ((("Size", "L"),), None)]


def test_removing_an_option_keeps_the_first_variant_of_each_group():
    old = [(c, i) for i, c in enumerate(combinations([SIZE, COLOUR]))]
    result = combinations_carry_over(old, [SIZE])
    assert result == [((("Size", "S"),), 0), ((("Size", "M"),), 2)]

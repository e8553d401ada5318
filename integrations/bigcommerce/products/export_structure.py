"""One product's shape in BigCommerce after it changed in Comptoir: options and their values,
variants, images and videos. Product fields and variant fields go in the exporter's batches.

BigCommerce cannot change the option values of an existing variant, and refuses to delete an
option that variants still use, so the order is: variants that are gone; options and values
added or renamed; variants made again whose values changed, then new variants; values and
options no longer used. An option renamed in Comptoir (a new option row there) is renamed in
BigCommerce rather than deleted and made again, so its variants keep their ids.
"""

from __future__ import annotations

from integrations.bigcommerce import binder
from integrations.bigcommerce.api import endpoints as api
from integrations.bigcommerce.api.errors import NotFound, ValidationFailed
from integrations.bigcommerce.mappers import outbound
from integrations.bigcommerce.mappers.outbound import content_hash
from integrations.models import ProductLink, RemoteRef, VariantLink

Ref = RemoteRef.Kind


def values_hash(remote_value_ids) -> str:
    ids = [i for i in remote_value_ids if i]
    return content_hash(sorted(ids)) if ids else ""


class StructureSync:
    """Brings one bound product's structure in line; ``changed`` names what it touched."""

    def __init__(self, *, client, link: ProductLink, snap: outbound.ProductSnapshot, parts: outbound.ProductPayloads):
        self.client = client
        self.link = link
        self.snap = snap
        self.parts = parts
        self.pid = link.remote_product_id
        self.changed: set[str] = set()
        self.variant_updates: list[tuple[int, dict, str]] = []  # (local variant id, body, fields hash)

    # -- bind what a create answered ----------------------------------------------------
    def bind_created(self, remote: dict) -> None:
        """All the bindings of a product just created, written at once (a few queries, not one
        per option, value, variant and image: the initial sync does this for every product)."""
        refs = self._option_refs(self.snap.options, remote.get("options") or [])
        value_refs = {r.local_id: r for r in refs if r.kind == Ref.OPTION_VALUE}
        variant_links: list[VariantLink] = []
        remote_variants = remote.get("variants") or []
        if not self.snap.options:
            base = next((v for v in remote_variants if v["id"] == remote.get("base_variant_id")), None)
            base = base or next(iter(remote_variants), None)
            if base and self.snap.variants:
                variant_links.append(
                    VariantLink(link=self.link, variant_id=self.snap.variants[0].id, remote_variant_id=base["id"])
                )
        else:
            by_combo = {outbound.remote_combination(v): v for v in remote_variants}
            for variant in self.snap.variants:
                match = by_combo.get(outbound.combination_key(variant.combination))
                if match:
                    variant_links.append(self._variant_link(variant, match["id"], value_refs))
        images = sorted(remote.get("images") or [], key=lambda i: (i.get("sort_order", 0), i["id"]))
        for image, remote_image in zip(self.snap.images, images, strict=False):
            refs.append(self._ref(Ref.IMAGE, image.id, remote_image["id"], content_hash(self.parts.images[image.id])))
        by_video = {v.get("video_id"): v for v in remote.get("videos") or []}
        for video in self.snap.videos:
            if video.youtube_id in by_video:
                digest = content_hash(self.parts.videos[video.id])
                refs.append(self._ref(Ref.VIDEO, video.id, by_video[video.youtube_id]["id"], digest))
        binder.bindings_replace(link=self.link, refs=refs, variant_links=variant_links)

    def bind_options(self, options, remote_options: list[dict]) -> None:
        for ref in self._option_refs(options, remote_options):
            binder.ref_set(
                link=self.link,
                kind=ref.kind,
                local_id=ref.local_id,
                remote_id=ref.remote_id,
                parent_id=ref.parent_id,
                content_hash=ref.content_hash,
            )

    def _ref(self, kind: str, local_id: int, remote_id: int, digest: str, parent_id: int | None = None) -> RemoteRef:
        return RemoteRef(
            link=self.link, kind=kind, local_id=local_id, remote_id=remote_id, parent_id=parent_id, content_hash=digest
        )

    def _option_refs(self, options, remote_options: list[dict]) -> list[RemoteRef]:
        """Our options and values matched by name with remote ones (unsaved references)."""
        by_name = {outbound.text_key(o.get("display_name", "")): o for o in remote_options}
        refs = []
        for option in options:
            remote = by_name.get(outbound.text_key(option.name))
            if not remote:
                continue
            refs.append(self._ref(Ref.OPTION, option.id, remote["id"], content_hash(option.name)))
            labels = {outbound.text_key(v.get("label", "")): v for v in remote.get("option_values") or []}
            for value_id, label in option.values:
                found = labels.get(outbound.text_key(label))
                if found:
                    refs.append(self._ref(Ref.OPTION_VALUE, value_id, found["id"], content_hash(label), remote["id"]))
        return refs

    # -- bring a bound product up to date -----------------------------------------------------
    def update(self) -> None:
        variant_links = {vl.variant_id: vl for vl in self.link.variant_links.all()}
        local_ids = {v.id for v in self.snap.variants}
        for variant_id, vl in list(variant_links.items()):
            if variant_id not in local_ids:
                self._variant_delete(vl)
                del variant_links[variant_id]
        if self.snap.options:
            self._options_update()
            value_refs = self._value_refs()
            for variant in self.snap.variants:
                self._variant_update(variant, variant_links.get(variant.id), value_refs)
        self._unused_options_delete()
        self._media_update()

    def _value_refs(self) -> dict[int, RemoteRef]:
        return {r.local_id: r for r in self.link.refs.filter(kind=Ref.OPTION_VALUE)}

    def _options_update(self) -> None:
        refs = list(self.link.refs.all())
        option_refs = {r.local_id: r for r in refs if r.kind == Ref.OPTION}
        value_refs = {r.local_id: r for r in refs if r.kind == Ref.OPTION_VALUE}
        local_option_ids = {o.id for o in self.snap.options}
        orphans = sorted(
            (r for oid, r in option_refs.items() if oid not in local_option_ids), key=lambda r: r.remote_id
        )
        for position, option in enumerate(self.snap.options):
            ref = option_refs.get(option.id)
            if ref is None and orphans:  # renamed in Comptoir: rename in BigCommerce, keep its variants
                ref = orphans.pop(0)
                binder.ref_rebind(ref=ref, local_id=option.id)
                option_refs[option.id] = ref
            if ref is None:
                remote = api.option_create(self.client, self.pid, outbound.option_payload(option, position))
                self.bind_options([option], [remote])
                self.changed.add("options")
                continue
            if ref.content_hash != content_hash(option.name):
                api.option_update(self.client, self.pid, ref.remote_id, {"display_name": option.name})
                ref.content_hash = content_hash(option.name)
                ref.save(update_fields=["content_hash"])
                self.changed.add("options")
            self._values_update(option, ref, value_refs)

    def _values_update(self, option, option_ref: RemoteRef, value_refs: dict[int, RemoteRef]) -> None:
        local_ids = {vid for vid, _label in option.values}
        spare = {
            r.content_hash: r
            for vid, r in value_refs.items()
            if r.parent_id == option_ref.remote_id and vid not in local_ids
        }
        for sort_order, (value_id, label) in enumerate(option.values):
            ref = value_refs.get(value_id)
            if ref is None and content_hash(label) in spare:  # the same label under a new local row
                ref = spare.pop(content_hash(label))
                value_refs.pop(ref.local_id, None)
                binder.ref_rebind(ref=ref, local_id=value_id)
                value_refs[value_id] = ref
            if ref is None:
                remote = api.option_value_create(
                    self.client, self.pid, option_ref.remote_id, {"label": label, "sort_order": sort_order}
                )
                binder.ref_set(
                    link=self.link,
                    kind=Ref.OPTION_VALUE,
                    local_id=value_id,
                    remote_id=remote["id"],
                    parent_id=option_ref.remote_id,
                    content_hash=content_hash(label),
                )
                self.changed.add("options")
            elif ref.content_hash != content_hash(label):
                api.option_value_update(
                    self.client,
                    self.pid,
                    option_ref.remote_id,
                    ref.remote_id,
                    {"label": label, "sort_order": sort_order},
                )
                ref.content_hash = content_hash(label)
                ref.save(update_fields=["content_hash"])
                self.changed.add("options")

    def _variant_update(self, variant, vl: VariantLink | None, value_refs: dict[int, RemoteRef]) -> None:
        fields = self.parts.variants[variant.id]
        wanted = values_hash(value_refs[v].remote_id if v in value_refs else None for v in variant.value_ids)
        if vl is not None and vl.values_hash != wanted:
            self._variant_delete(vl)
            vl = None
        if vl is None:
            option_values = [
                {"option_id": value_refs[v].parent_id, "id": value_refs[v].remote_id}
                for v in variant.value_ids
                if v in value_refs
            ]
            # Without price sync no price: it sells at its product's (``outbound.create_payload``).
            body = {**fields, "option_values": option_values}
            remote = api.variant_create(self.client, self.pid, body)
            self._variant_bind(variant, remote["id"], value_refs)
            self.changed.add("variants")
        elif vl.content_hash != content_hash(fields):
            self.variant_updates.append((variant.id, {"id": vl.remote_variant_id, **fields}, content_hash(fields)))

    def _variant_bind(self, variant, remote_variant_id: int, value_refs: dict[int, RemoteRef]) -> None:
        made = self._variant_link(variant, remote_variant_id, value_refs)
        binder.variant_link_set(
            link=self.link,
            variant_id=made.variant_id,
            remote_variant_id=made.remote_variant_id,
            content_hash=made.content_hash,
            values_hash=made.values_hash,
        )

    def _variant_link(self, variant, remote_variant_id: int, value_refs: dict[int, RemoteRef]) -> VariantLink:
        return VariantLink(
            link=self.link,
            variant_id=variant.id,
            remote_variant_id=remote_variant_id,
            content_hash=content_hash(self.parts.variants.get(variant.id, {})),
            values_hash=values_hash(value_refs[v].remote_id if v in value_refs else None for v in variant.value_ids),
        )

    def _variant_delete(self, vl: VariantLink) -> None:
        try:
            api.variant_delete(self.client, self.pid, vl.remote_variant_id)
        except (NotFound, ValidationFailed):  # gone already, or the base variant (it stays)
            pass
        binder.variant_link_drop(variant_link=vl)
        self.changed.add("variants")

    def _unused_options_delete(self) -> None:
        local_options = {o.id for o in self.snap.options}
        local_values = {vid for o in self.snap.options for vid, _label in o.values}
        refs = list(self.link.refs.filter(kind__in=[Ref.OPTION, Ref.OPTION_VALUE]))
        removed_options = {r.remote_id for r in refs if r.kind == Ref.OPTION and r.local_id not in local_options}
        for ref in refs:
            if ref.kind == Ref.OPTION_VALUE and ref.local_id not in local_values:
                if ref.parent_id not in removed_options:  # its option stays: the value goes alone
                    self._delete(api.option_value_delete, ref.parent_id, ref.remote_id)
                binder.ref_drop(ref=ref)
                self.changed.add("options")
        for ref in refs:
            if ref.kind == Ref.OPTION and ref.local_id not in local_options:
                self._delete(api.option_delete, ref.remote_id)
                binder.ref_drop(ref=ref)
                self.changed.add("options")

    def _media_update(self) -> None:
        refs = list(self.link.refs.filter(kind__in=[Ref.IMAGE, Ref.VIDEO]))
        for kind, local, path in (
            (Ref.IMAGE, self.parts.images, "images"),
            (Ref.VIDEO, self.parts.videos, "videos"),
        ):
            have = {r.local_id: r for r in refs if r.kind == kind}
            for local_id, ref in have.items():
                if local_id not in local:
                    self._delete(api.media_delete, path, ref.remote_id)
                    binder.ref_drop(ref=ref)
                    self.changed.add(path)
            for local_id, fields in local.items():
                digest = content_hash(fields)
                ref = have.get(local_id)
                if ref is None:
                    remote = api.media_create(self.client, self.pid, path, fields)
                    binder.ref_set(
                        link=self.link, kind=kind, local_id=local_id, remote_id=remote["id"], content_hash=digest
                    )
                    self.changed.add(path)
                elif ref.content_hash != digest:
                    changes = {k: v for k, v in fields.items() if k not in ("image_url", "video_id", "type")}
                    api.media_update(self.client, self.pid, path, ref.remote_id, changes)
                    ref.content_hash = digest
                    ref.save(update_fields=["content_hash"])
                    self.changed.add(path)

    def _delete(self, delete, *ids) -> None:
        """``delete(client, product id, *ids)``; a thing already gone is fine."""
        try:
            delete(self.client, self.pid, *ids)
        except NotFound:
            pass

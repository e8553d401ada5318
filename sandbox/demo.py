"""--seed-demo: a French boutique, idempotent (created once, left alone afterwards)."""

from __future__ import annotations

from .model.categories import category_write
from .model.products import product_create
from .model.rows import product_save
from .stores import store_create

DEMO_HASH = "demostore"  # real store hashes are lowercase letters and digits
# Three SKUs also exist in Comptoir's demo catalog, so the duplicate pre-flight finds them.
DEMO_PRODUCTS = [
    {
        "name": "Mug en grès bleu",
        "category": "Maison",
        "sku": "DEMO-MUG-BLUE",
        "price": 14.9,
        "weight": 0.4,
        "inventory_level": 24,
        "description": "Mug en grès émaillé, 30 cl, fait main.",
    },
    {
        "name": "Tote bag en coton naturel",
        "category": "Maison",
        "sku": "DEMO-TOTE-NATURAL",
        "price": 19.0,
        "weight": 0.2,
        "inventory_level": 40,
        "description": "Sac cabas en coton biologique.",
    },
    {
        "name": "Bougie parfumée figue",
        "category": "Maison",
        "sku": "DEMO-CANDLE-FIG",
        "price": 28.0,
        "weight": 0.35,
        "inventory_level": 15,
        "description": "Cire végétale, 45 heures de combustion.",
    },
    {
        "name": "Plaid en laine mérinos",
        "category": "Maison",
        "sku": "BC-PLAID-MERINO",
        "price": 89.0,
        "weight": 1.1,
        "inventory_level": 6,
        "description": "Plaid tissé en France, 130 × 170 cm.",
    },
    {
        "name": "Torchon en lin lavé",
        "category": "Maison",
        "sku": "BC-TORCHON-LIN",
        "price": 12.5,
        "weight": 0.1,
        "inventory_level": 60,
        "description": "Lin lavé, 50 × 70 cm.",
    },
    {
        "name": "Vase en céramique sable",
        "category": "Maison",
        "sku": "BC-VASE-SABLE",
        "price": 39.0,
        "weight": 0.9,
        "inventory_level": 8,
        "description": "Céramique tournée, émail mat.",
    },
    {
        "name": "Marinière en coton",
        "category": "Mode",
        "sku": "BC-MARINIERE",
        "price": 59.0,
        "weight": 0.3,
        "inventory_tracking": "variant",
        "description": "La rayure bretonne, coton épais.",
        "variants": [
            {
                "sku": "BC-MARINIERE-S",
                "inventory_level": 5,
                "option_values": [{"option_display_name": "Taille", "label": "S"}],
            },
            {
                "sku": "BC-MARINIERE-M",
                "inventory_level": 7,
                "option_values": [{"option_display_name": "Taille", "label": "M"}],
            },
            {
                "sku": "BC-MARINIERE-L",
                "inventory_level": 3,
                "option_values": [{"option_display_name": "Taille", "label": "L"}],
            },
        ],
    },
    {
        "name": "Écharpe en cachemire",
        "category": "Mode",
        "sku": "BC-ECHARPE-CACHEMIRE",
        "price": 120.0,
        "weight": 0.2,
        "inventory_tracking": "variant",
        "description": "Cachemire de Mongolie.",
        "variants": [
            {
                "sku": "BC-ECHARPE-GRIS",
                "inventory_level": 4,
                "option_values": [{"option_display_name": "Couleur", "label": "Gris"}],
            },
            {
                "sku": "BC-ECHARPE-CAMEL",
                "inventory_level": 2,
                "option_values": [{"option_display_name": "Couleur", "label": "Camel"}],
            },
        ],
    },
]


def demo_seed(app) -> dict:
    db = app.db
    with db.tx():
        store = db.store_get(DEMO_HASH)
        if store is not None:
            return store
        store = store_create(
            db,
            store_hash=DEMO_HASH,
            name="Boutique en ligne (démo)",
            currency="EUR",
            is_price_entered_with_tax=True,
            owner_email="owner@demo-store.test",
            owner_password="sandbox",
        )
        categories = {
            name: category_write(db, DEMO_HASH, {"name": name, "tree_id": 1}, None)["id"] for name in ("Maison", "Mode")
        }
        for spec in DEMO_PRODUCTS:
            spec = dict(spec)
            body = {
                "type": "physical",
                "inventory_tracking": "product",
                "categories": [categories[spec.pop("category")]],
                **spec,
            }
            product = product_create(app, DEMO_HASH, body)
            # The merchant listed the demo products on their storefront (channel 1).
            product["_channels"] = [1]
            product_save(db, DEMO_HASH, product)
        return store

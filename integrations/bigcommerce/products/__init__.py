"""Products: the export (managed in Comptoir) and the import (managed in BigCommerce)."""

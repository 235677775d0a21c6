"""What the yearly-update tests share: a product filed in November 2026, before the 2027
window (1 January – 31 March 2027, Asia/Shanghai), and instants in and around that window."""

from datetime import datetime
from zoneinfo import ZoneInfo

import workflows
from models import AssetInfo, Product

SH = ZoneInfo("Asia/Shanghai")
FILED_ON = datetime(2026, 11, 10, 10, 0, tzinfo=SH)  # the product is filed
IN_WINDOW = datetime(2027, 2, 10, 10, 0, tzinfo=SH)  # the 2027 window is open
YEAR = 2027


def filed_product(make, clock, unit=None, reviewer=None, **overrides):
    """A product filed on FILED_ON (the clock is left there), its unit's 2025 asset info
    entered; returns (product, reviewer)."""
    clock(FILED_ON)
    reviewer = reviewer or make.staff("reviewer")
    if unit is None:
        unit = make.approved_unit(reviewer)
    AssetInfo.get_or_create(unit=unit, fiscal_year=2025)
    product = make.complete_product(unit, **overrides)
    workflows.apply(product, "submit", unit.user)
    workflows.apply(Product.get_by_id(product.id), "approve", reviewer)
    return Product.get_by_id(product.id), reviewer


def enter_assets(unit, year=YEAR - 1, **values):
    """The unit's 资产信息 of `year` (the gate of the update of year + 1)."""
    return AssetInfo.create(unit=unit, fiscal_year=year, **values)

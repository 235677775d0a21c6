"""备案号: handed out when a filing is approved (workflows' approve effect)."""

from peewee import fn

from models import Product, Sequence, today_shanghai


def next_filing_number(product):
    """备案号: year (4) + province division code (2) + sequence within the year (5).

    Example: 20264400012 — the 12th filing approved in 2026, a unit registered in
    Guangdong (44). Unique by database constraint; the sequence comes from the counter
    filing-<year>.
    """
    year = today_shanghai().year
    province = (product.unit.region_code or "00")[:2]

    def used():
        last = (Product.select(fn.MAX(fn.SUBSTR(Product.filing_number, 7, 5)))
                .where(Product.filing_number >= f"{year}", Product.filing_number < f"{year + 1}").scalar())
        return int(last or 0)

    return f"{year}{province}{Sequence.take(f'filing-{year}', used):05d}"

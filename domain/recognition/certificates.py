"""认定证书: the certificate number handed out when a product is recognised."""

from peewee import fn

from models import Recognition, Sequence, today_shanghai


def next_certificate_number(recognition):
    """认定证书编号: ZLCP + year (4) + sequence within the year (6), e.g. ZLCP2026000031."""
    year = today_shanghai().year
    prefix = f"ZLCP{year}"

    def used():
        last = (Recognition.select(fn.MAX(Recognition.certificate_number))
                .where(Recognition.certificate_number.startswith(prefix)).scalar())
        return int(last[len(prefix):]) if last else 0

    return f"{prefix}{Sequence.take(f'certificate-{year}', used):06d}"

"""方法三 (许可费率): the licence-fee-rate reference file administrators upload and units
download from the 产品信息 step. One current file (PDF, public); a new upload replaces it."""

from infra import storage
from models import Setting, StoredFile

SETTING = "rate_reference_file"


def current():
    """The current reference file, or None."""
    key = Setting.get_value(SETTING)
    return StoredFile.get_or_none(StoredFile.key == key) if key else None


def replace(upload, actor):
    """Store a new reference file (raises storage.UploadError) and make it the current one."""
    stored = storage.save_upload(upload, ("pdf",), owner=actor)
    StoredFile.update(public=True).where(StoredFile.id == stored.id).execute()
    Setting.insert(key=SETTING, value=stored.key).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: stored.key}).execute()
    return stored

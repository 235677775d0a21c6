"""The drafts service: every write of a draft — its fields, its linked patents and their
flags, its files — for a product filing (a Product while 未提交 or 不通过) and for a yearly
update (a YearlyUpdate, whose draft is its `data` in the snapshot shape {"fields",
"patents", "files"}) alike. The portal's views parse the request and call it; nothing else
writes a draft.

Every write is one transaction whose first statement is the draft row's conditional UPDATE

    UPDATE … SET version = version + 1[, updated_at = now][, the fields]
    WHERE id = ? AND status IN (editable) [AND version = ?]

so it takes the row (PostgreSQL) or the write lock (SQLite) before anything is read, and a
write that arrives after 提交审核 changes nothing. When no row matched, the service says
why: DraftLocked (the status no longer allows editing) or DraftConflict (the draft changed
since the version the page was read at; it carries the stored values, so the page can show
both). A caller without a version (a page without it, a script) just writes.

open_new() is 填报: the unit's untouched empty draft if it has one, else a new one — a
double click, even two requests at the same moment, opens one draft.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from peewee import Value, fn

from domain import patents, transitions
from domain.filing.snapshots import DATA_FIELDS, product_fields, product_snapshot
from models import (
    Patent,
    Product,
    ProductFile,
    ProductPatent,
    ProductVersion,
    Unit,
    UnitPatent,
    YearlyUpdate,
    db,
    utcnow,
)
from workflows import ProductStatus

LOCKED = _l("已提交或已备案的信息已锁定，不能修改。")
CONFLICT = _l("该草稿已在其他窗口或设备上修改，本页的修改尚未保存。")
CASE_NUMBER_MAX = 100
SINGLE_FILE_KINDS = ("main_image",)  # a new one replaces the old (产品主图)
FLAGS = ("public", "core", "litigated")


class DraftError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class DraftLocked(DraftError):
    """The draft's status no longer allows editing (submitted, filed…); nothing was written."""

    def __init__(self, status=None):
        super().__init__(LOCKED)
        self.status = status


class DraftConflict(DraftError):
    """The draft was written since the version the writer had read; nothing was written.
    `version` is the draft's version now, `current` its stored values at that version
    ({"fields", "patents", "files"}, JSON-ready, as product_snapshot gives them)."""

    def __init__(self, version, current):
        super().__init__(CONFLICT)
        self.version = version
        self.current = current


@dataclass(frozen=True)
class Written:
    """What a write did: the draft's new version, how many rows it added or removed, and the
    patents it refused to link (their display numbers)."""

    version: int
    count: int = 0
    refused: tuple = field(default=())
    not_held: tuple = field(default=())  # patents the unit's claim to does not stand (domain.patents)


def _columns(values):
    """Validated values (domain.filing.rules.clean_product_info) as column values: only the
    filed data's fields; an empty value of a NOT NULL column is stored as its default."""
    unknown = set(values) - set(DATA_FIELDS)
    if unknown:
        raise ValueError(f"not a draft field: {', '.join(sorted(unknown))}")
    columns = {}
    for name, value in values.items():
        f = Product._meta.fields[name]
        if value is None and not f.null:
            value = f.default() if callable(f.default) else f.default
        columns[name] = value
    return columns


def _flags(flags):
    """{patent id: {public, core, litigated, case_number}} with proper types."""
    return {int(pid): {**{k: bool(f.get(k)) for k in FLAGS},
                       "case_number": str(f.get("case_number") or "").strip()[:CASE_NUMBER_MAX]}
            for pid, f in flags.items()}


class Draft:
    """What both kinds of draft share: the conditional UPDATE and the refusals."""

    model = None
    kind = None

    def __init__(self, obj):
        self.obj = obj
        self.id = obj.id

    @property
    def editable(self):
        """The statuses the draft can be submitted from are those it can be edited in."""
        return transitions.sources(self.kind, "submit")

    def _claim(self, expected, **columns):
        """The draft row's conditional UPDATE, the first statement of the caller's transaction;
        the new version. Raises DraftLocked or DraftConflict when no row matched."""
        m = self.model
        values = {m.version: m.version + 1}
        if "updated_at" in m._meta.fields:
            values[m.updated_at] = utcnow()
        values.update({m._meta.fields[k]: v for k, v in columns.items()})
        query = m.update(values).where(m.id == self.id, m.status.in_(self.editable))
        if expected is not None:
            query = query.where(m.version == int(expected))
        if query.execute() != 1:
            raise self._refusal()
        return m.select(m.version).where(m.id == self.id).scalar()

    def _refusal(self):
        """Why the conditional UPDATE matched nothing. The row is taken first (a no-op UPDATE),
        so the version and the values read belong together."""
        m = self.model
        m.update({m.version: m.version}).where(m.id == self.id).execute()
        row = m.get_or_none(m.id == self.id)
        if row is None or row.status not in self.editable:
            return DraftLocked(row.status if row else None)
        return DraftConflict(row.version, self._current(row))

    def current(self):
        """The stored values now: {"fields", "patents", "files"}."""
        return self._current(self.model.get_by_id(self.id))

    # Every write: one transaction, the claim first.

    def save_fields(self, values, expected=None):
        """Store fields of the filed data (values already cleaned by the rules)."""
        columns = _columns(values)
        with db.database.atomic():
            return Written(self._write_fields(expected, columns))

    def set_patent_flags(self, flags, expected=None):
        """备案阶段是否公开 / 核心专利 / 涉诉专利 and 案件编号 of linked patents:
        {patent id: {"public", "core", "litigated", "case_number"}}; others are left alone."""
        flags = _flags(flags)
        with db.database.atomic():
            version = self._claim(expected)
            self._write_flags(flags)
        return Written(version)

    def link_patents(self, patent_ids, expected=None):
        """关联专利: link those of the ids that are in the unit's own list (专利信息管理), valid,
        and held or licensed by the unit (domain.patents.link_claim); a lapsed one or one whose
        claim does not stand is refused by number, another unit's or a linked one is skipped."""
        wanted = list(dict.fromkeys(int(p) for p in patent_ids))
        added, refused, not_held = 0, [], []
        with db.database.atomic():
            version = self._claim(expected)
            unit_id = self._unit_id()
            own = {up.patent_id: up for up in UnitPatent.select(UnitPatent, Patent).join(Patent)
                   .where(UnitPatent.unit == unit_id, UnitPatent.patent.in_(wanted))} if wanted else {}
            names = patents.unit_names([unit_id])[unit_id] if own else []
            linked = self._linked_ids()
            for pid in wanted:
                link = own.get(pid)
                if link is None or pid in linked:
                    continue
                if link.patent.legal_status != "valid":
                    refused.append(link.patent.display_number)
                    continue
                if not patents.link_claim(link, link.patent, names).stands:
                    not_held.append(link.patent.display_number)
                    continue
                self._link(link.patent)
                added += 1
        return Written(version, added, tuple(refused), tuple(not_held))

    def unlink_patent(self, patent_id, expected=None):
        """取消关联."""
        with db.database.atomic():
            version = self._claim(expected)
            removed = self._unlink(int(patent_id))
        return Written(version, removed)

    def add_file(self, kind, stored, expected=None):
        """Attach a stored file (infra.storage) as `kind`; a new 产品主图 replaces the old."""
        with db.database.atomic():
            version = self._claim(expected)
            self._add_file(kind, stored)
        return Written(version, 1)

    def remove_file(self, file_id, expected=None):
        """移除: unlink one file of this draft (earlier submitted versions keep their copy)."""
        with db.database.atomic():
            version = self._claim(expected)
            removed = self._remove_file(int(file_id))
        return Written(version, removed)


class ProductDraft(Draft):
    """A product filing while it is editable; its fields are the Product's columns, its
    patents ProductPatent rows and its files ProductFile rows."""

    model = Product
    kind = "product"

    def _current(self, row):
        return product_snapshot(row)

    def _unit_id(self):
        return self.obj.unit_id

    def _write_fields(self, expected, columns):
        return self._claim(expected, **columns)  # the fields go in the conditional UPDATE itself

    def _write_flags(self, flags):
        for pid, values in flags.items():
            (ProductPatent.update(**values)
             .where(ProductPatent.product == self.id, ProductPatent.patent == pid).execute())

    def _linked_ids(self):
        return {pid for (pid,) in ProductPatent.select(ProductPatent.patent)
                .where(ProductPatent.product == self.id).tuples()}

    def _link(self, patent):
        ProductPatent.create(product=self.id, patent=patent.id)

    def _unlink(self, patent_id):
        return (ProductPatent.delete()
                .where(ProductPatent.product == self.id, ProductPatent.patent == patent_id).execute())

    def _add_file(self, kind, stored):
        if kind in SINGLE_FILE_KINDS:
            ProductFile.delete().where(ProductFile.product == self.id, ProductFile.kind == kind).execute()
        sort = ProductFile.select().where(ProductFile.product == self.id, ProductFile.kind == kind).count()
        ProductFile.create(product=self.id, file=stored, kind=kind, sort=sort)

    def _remove_file(self, file_id):
        """`file_id` is the ProductFile's id (the 移除 button's value)."""
        return ProductFile.delete().where(ProductFile.id == file_id, ProductFile.product == self.id).execute()


class UpdateDraft(Draft):
    """A yearly update (产品备案信息更新) while it is editable. Its draft is its `data`:
    {"fields": {…}, "patents": [{patent_id, number, public, core, litigated, case_number}],
    "files": [{file_id, kind, name}]}; an update not written yet starts from the product's
    current data (product_snapshot). The data is read and written back under the row's lock."""

    model = YearlyUpdate
    kind = "update"

    def _current(self, row):
        data = dict(row.data or {})
        if not {"fields", "patents", "files"} <= data.keys():
            data = {**product_snapshot(Product.get_by_id(row.product_id)), **data}
        return data

    def _unit_id(self):
        return Product.select(Product.unit).where(Product.id == self.obj.product_id).scalar()

    def _change(self, change):
        """Read the data (the caller holds the row), change it, write it back."""
        data = self._current(YearlyUpdate.get_by_id(self.id))
        result = change(data)
        YearlyUpdate.update(data=data).where(YearlyUpdate.id == self.id).execute()
        return result

    def reset(self, expected=None):
        """确认无变化: the draft becomes the product's current filed data again."""
        with db.database.atomic():
            version = self._claim(expected)
            data = product_snapshot(Product.get_by_id(self.obj.product_id))
            YearlyUpdate.update(data=data).where(YearlyUpdate.id == self.id).execute()
        return Written(version)

    def _write_fields(self, expected, columns):
        version = self._claim(expected)
        plain = product_fields(Product(**columns))
        self._change(lambda data: data["fields"].update({k: plain[k] for k in columns}))
        return version

    def _write_flags(self, flags):
        def change(data):
            for entry in data["patents"]:
                if entry["patent_id"] in flags:
                    entry.update(flags[entry["patent_id"]])
        self._change(change)

    def _linked_ids(self):
        return {entry["patent_id"] for entry in self._current(YearlyUpdate.get_by_id(self.id))["patents"]}

    def _link(self, patent):
        self._change(lambda data: data["patents"].append(
            {"patent_id": patent.id, "number": patent.display_number, "public": False, "core": False,
             "litigated": False, "case_number": ""}))

    def _unlink(self, patent_id):
        def change(data):
            kept = [e for e in data["patents"] if e["patent_id"] != patent_id]
            removed = len(data["patents"]) - len(kept)
            data["patents"] = kept
            return removed
        return self._change(change)

    def _add_file(self, kind, stored):
        def change(data):
            if kind in SINGLE_FILE_KINDS:
                data["files"] = [f for f in data["files"] if f["kind"] != kind]
            data["files"].append({"file_id": stored.id, "kind": kind, "name": stored.original_name})
        self._change(change)

    def _remove_file(self, file_id):
        """`file_id` is the StoredFile's id (the entry's file_id)."""
        def change(data):
            kept = [f for f in data["files"] if f["file_id"] != file_id]
            removed = len(data["files"]) - len(kept)
            data["files"] = kept
            return removed
        return self._change(change)


def draft_of(obj):
    """The draft of a Product or a YearlyUpdate."""
    if isinstance(obj, Product):
        return ProductDraft(obj)
    if isinstance(obj, YearlyUpdate):
        return UpdateDraft(obj)
    raise TypeError(obj)


# ---------------------------------------------------------------- 填报


def _untouched_empty(unit):
    """The unit's drafts nobody has written (version 0) and that hold nothing: every field at
    its default, no patent, no file."""
    conditions = [Product.unit == unit, Product.status == ProductStatus.DRAFT, Product.version == 0]
    for name in DATA_FIELDS:
        f = Product._meta.fields[name]
        default = f.default() if callable(f.default) else f.default
        # compared as stored (a JSON list's text), not as a value peewee would unpack
        conditions.append(f.is_null() if default is None else (f == Value(f.db_value(default), converter=False)))
    conditions.append(~fn.EXISTS(ProductPatent.select(ProductPatent.id).where(ProductPatent.product == Product.id)))
    conditions.append(~fn.EXISTS(ProductFile.select(ProductFile.id).where(ProductFile.product == Product.id)))
    return Product.select().where(*conditions).order_by(Product.id)


def open_new(unit):
    """填报: the unit's untouched empty draft if there is one, else a new draft. The unit's
    row is taken first (a no-op UPDATE), so a second request at the same moment waits for
    the first to commit and then finds its draft."""
    with db.database.atomic():
        Unit.update({Unit.updated_at: Unit.updated_at}).where(Unit.id == unit.id).execute()
        existing = _untouched_empty(unit).first()
        if existing is not None:
            return existing
        return Product.create(unit=unit)



def delete_draft(product, unit):
    """删除: remove a draft the unit never submitted (未提交, no submitted version), with its
    patent links and files. Owner-checked in the statement itself; raises DraftLocked when
    the product is another unit's, was ever submitted or is no longer a draft."""
    with db.database.atomic():
        claimed = (Product.update({Product.version: Product.version + 1})
                   .where(Product.id == product.id, Product.unit == unit.id, Product.status == ProductStatus.DRAFT,
                          Product.submitted_at.is_null(),
                          ~fn.EXISTS(ProductVersion.select(ProductVersion.id)
                                     .where(ProductVersion.product == Product.id)))
                   .execute())
        if claimed != 1:
            raise DraftLocked(product.status)
        ProductPatent.delete().where(ProductPatent.product == product.id).execute()
        ProductFile.delete().where(ProductFile.product == product.id).execute()
        Product.delete().where(Product.id == product.id).execute()

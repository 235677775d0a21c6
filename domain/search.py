"""产品信息查询: full-text search over public products, one interface, two backends.

Chinese has no spaces, so text is cut the way Lucene's `cjk` analyzer does it: every run
of CJK characters gives its overlapping bigrams and its single characters; ASCII words and
numbers are lower-cased words. 动力电池 → 动力 力电 电池 动 力 电 池. A query is cut the same
way (a run of two or more characters gives its bigrams only) and matched as an AND of its
tokens: 电池 finds 动力电池管理系统, a one-character query works, and no query text ever
reaches the database's query syntax (`"`, `*`, AND, NEAR( are separators like any other).

The index is one row per public product in `searchdoc`: the public status (filed / notice /
recognised) and the facet columns, denormalised so filters and counts never join. The text
lives in an FTS5 table `searchfts` (rowid = product id) on SQLite and in a `tsvector`
column with a GIN index on PostgreSQL (built from our own tokens, cast directly, so the
database's parser and locale play no part). Migration 005 creates both.

init_app() makes the index a listener of workflows.apply(): it reindexes the product in the
transaction that changes a product's, an update's or a recognition's status, and a unit's
products when an approved change renames the unit; `flask zlcp reindex` rebuilds everything.

Every reindex adds one to the counter of public changes (infra.changes) in the same
transaction; the public pages kept by public_site/page_cache.py are filed under it.

Which products are listed, and under which public state, is domain.visibility's rule.

On PostgreSQL each row's tsvector also holds lexemes that begin with "_" (no query token does:
tokens are letters, digits and CJK runs): its filter values, a fine sample bucket and its block
of ids (`meta_lexemes`, migration 016). So the GIN index itself picks the matches under the
filters, in a sample or among the newest ids, and only those rows are read from the table.
On SQLite the same (but the blocks) are tokens of searchfts' fourth column, `meta` (`meta_tokens`,
migration 017), which a user's text never reaches: it is matched in the other three. So FTS5
itself picks the matches under the filters or in a sample.
"""

import io
import operator
import re
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce

import tablib
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from peewee import (
    JOIN,
    SQL,
    Cast,
    CharField,
    DateTimeField,
    Expression,
    Field,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    Select,
    Value,
    fn,
)

import workflows
from domain import visibility
from infra.changes import kept, touch
from infra.documents import spreadsheet_cell
from infra.regions import PROVINCES, province_of
from infra.validators import paging
from models import (
    Industry,
    Prepared,
    Product,
    ProductCategory,
    ProductFile,
    Recognition,
    StoredFile,
    Unit,
    UnitNameHistory,
    db,
    shanghai_time,
    today_shanghai,
)

MAX_QUERY = 100  # characters; longer queries are cut, with a message
MAX_TOKENS = 40
EXPORT_LIMIT = 5000
IMAGE_KINDS = ("png", "jpg", "bmp")
INDEX_TABLES = ("searchdoc", "searchfts")  # created by migration 005, not by models.py

FILTERS = ("status", "industry", "category", "province", "year")

# The three public states search lists (domain.visibility says which a product is in).
PUBLIC_STATUS_LABELS = visibility.LISTED_LABELS

# ---------------------------------------------------------------- tokens

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")


def _runs(text):
    text = unicodedata.normalize("NFKC", text or "").lower()
    for match in _RUNS.finditer(text):
        yield match.group(1), match.group(2)


def tokens(text):
    """Index tokens of `text`: CJK bigrams and unigrams, words, in order."""
    out = []
    for cjk, word in _runs(text):
        if word:
            out.append(word)
            continue
        out += [cjk[i:i + 2] for i in range(len(cjk) - 1)]
        out += list(cjk)
    return out


def query_tokens(text):
    """Search tokens of a query: bigrams of each CJK run (the character itself for a
    one-character run), words; duplicates dropped, at most MAX_TOKENS."""
    out = []
    for cjk, word in _runs(text):
        found = [word] if word else [cjk] if len(cjk) == 1 else [cjk[i:i + 2] for i in range(len(cjk) - 1)]
        out += [t for t in found if t not in out]
    return out[:MAX_TOKENS]


def _is_word(token):
    return not ("\u3040" <= token[0] <= "\ufaff")


# ---------------------------------------------------------------- the index


class TSVectorField(Field):
    field_type = "TSVECTOR"  # a nullable, unused TEXT column on SQLite


class SearchDoc(Model):
    """One public product as search sees it (table from migration 005)."""

    product = ForeignKeyField(Product, primary_key=True, column_name="product_id", on_delete="CASCADE")
    status = CharField(max_length=20)
    section = CharField(max_length=1, default="")  # GB/T 4754 门类 letter
    industry = CharField(max_length=4, default="")  # the product's industry code
    category = CharField(max_length=10, default="")
    province = CharField(max_length=2, default="")
    year = IntegerField(null=True)  # filing year, Asia/Shanghai
    filed_at = DateTimeField(null=True)
    document = TSVectorField(null=True)  # PostgreSQL: the text's tokens

    class Meta:
        database = db.database
        table_name = "searchdoc"


def is_postgres():
    database = getattr(db.database, "obj", db.database)
    return isinstance(database, PostgresqlDatabase)


_sections = {}


def section_of(industry_code):
    """The 门类 letter of an industry code (walks the Industry parents once per division)."""
    if not industry_code:
        return ""
    if industry_code.isalpha():
        return industry_code[:1]
    division = industry_code[:2]
    if division not in _sections:
        row = Industry.get_or_none(Industry.code == division)
        _sections[division] = (row.parent_code or "") if row else ""
    return _sections[division]


def _documents(product_ids):
    """(searchdoc row, weighted token fields) of each public product among product_ids."""
    query = (Product.select(Product.id, Product.name, Product.model, Product.trademark, Product.intro,
                            Product.industry, Product.category, Product.filed_at, Product.unit,
                            Unit.id, Unit.name, Unit.credit_code, Unit.region_code)
             .join(Unit).where(Product.status.in_(visibility.FILED), Product.id.in_(product_ids)))
    products = list(query)
    if not products:
        return []
    recognitions = {}
    for pid, status in (Recognition.select(Recognition.product, Recognition.status)
                        .where(Recognition.product.in_([p.id for p in products])).tuples()):
        recognitions.setdefault(pid, []).append(status)
    former = {}
    for uid, name in (UnitNameHistory.select(UnitNameHistory.unit, UnitNameHistory.name)
                      .where(UnitNameHistory.unit.in_(list({p.unit_id for p in products}))).tuples()):
        former.setdefault(uid, []).append(name)
    docs = []
    for p in products:
        status = visibility.listed_status(recognitions.get(p.id, ()))
        if status is None:
            continue
        year = int(shanghai_time(p.filed_at, "%Y")) if p.filed_at else None
        row = {"product_id": p.id, "status": status, "section": section_of(p.industry_id),
               "industry": p.industry_id or "", "category": p.category_id or "",
               "province": province_of(p.unit.credit_code, p.unit.region_code), "year": year,
               "filed_at": p.filed_at}
        fields = {
            "title": tokens(f"{p.name} {p.model} {p.trademark}"),
            "unit": tokens(" ".join([p.unit.name, *former.get(p.unit_id, ())])),
            "body": tokens(p.intro),
        }
        docs.append((row, fields))
    return docs


DOC_COLUMNS = ("product_id", "status", "section", "industry", "category", "province", "year", "filed_at")
FINE_SAMPLES = 256  # sample buckets: "_s_<n>" lexemes (PostgreSQL), "s<n>" tokens in searchfts.meta (SQLite)
BLOCK = 4096  # PostgreSQL: product ids per "_b_<n>" lexeme (a broad query's newest matches)


def fine_sample_of(product_id):
    """The product's sample bucket, 0–255: a hash of its id, unrelated to its year, province or
    unit (migrations 016 and 017 compute the same in SQL for older rows)."""
    return (product_id * 2654435761) % 4294967296 // 16777216


def meta_lexemes(row):
    """PostgreSQL: the lexemes of an index row's filter values (as _filter_conditions reads
    them: every prefix of the industry and category codes, "_c_" for none), its fine sample
    bucket and its block of ids. Migration 016 computes the same in SQL for older rows."""
    pid, industry, category = row["product_id"], row["industry"] or "", row["category"] or ""
    out = [f"_st_{row['status']}", f"_s_{fine_sample_of(pid)}", f"_b_{pid // BLOCK}"]
    out += [f"_i_{row['section']}"] if row["section"] else []
    out += [f"_i_{industry[:n]}" for n in range(2, len(industry) + 1)]
    out += [f"_c_{category[:n]}" for n in range(2, len(category) + 1)] if category else ["_c_"]
    out += [f"_p_{row['province']}"] if row["province"] else []
    out += [f"_y_{row['year']}"] if row["year"] is not None else []
    return out


def meta_tokens(row):
    """SQLite: meta_lexemes() as the tokens of searchfts.meta: without their underscores (the
    tokenizer splits at them) and without the blocks of ids (FTS5 walks the ids newest first
    itself). Migration 017 computes the same in SQL for older rows."""
    return " ".join(_token(lexeme) for lexeme in meta_lexemes(row) if not lexeme.startswith("_b_"))


def _token(lexeme):
    return lexeme.replace("_", "")


def _filter_names(filters):
    """The meta_lexemes() every row that passes the filters has (as _filter_conditions says)."""
    prefix = {"status": "_st_", "industry": "_i_", "category": "_c_", "province": "_p_", "year": "_y_"}
    return [prefix[name] + ("" if name == "category" and value == OTHER_CATEGORY else str(value))
            for name, value in filters.items() if name in prefix]


def _filter_lexemes(filters):
    """PostgreSQL: the filters as a tsquery AND of meta_lexemes() ("" for none)."""
    return " & ".join(_quoted(lexeme) for lexeme in _filter_names(filters))


def _fts_filters(filters):
    """SQLite: the filters as a further FTS5 condition on meta_tokens() ("" for none)."""
    names = _filter_names(filters)
    return " AND meta: (" + " ".join(f'"{_token(n)}"' for n in names) + ")" if names else ""


def _quoted(lexeme):
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
WEIGHTS = {"title": "A", "unit": "B", "body": "D"}


def _tsvector(fields, meta=()):
    """A tsvector literal with positions and weights (title A, unit B, intro D), and the meta
    lexemes without positions (ts_rank reads only the query's lexemes)."""
    lexemes, position = {}, 0
    for name, toks in fields.items():
        for tok in toks:
            position = min(position + 1, 16383)
            lexemes.setdefault(tok, []).append(f"{position}{WEIGHTS[name]}")
    return " ".join([_quoted(tok) + ":" + ",".join(pos[:50]) for tok, pos in lexemes.items()]
                    + [_quoted(lexeme) for lexeme in meta])


def _insert(rows, columns, casts=None, batch=400):
    """Multi-row INSERT with bound parameters (one round trip per batch)."""
    if not rows:
        return
    param = getattr(db.database, "obj", db.database).param
    casts = casts or {}
    one = "(" + ", ".join(param + casts.get(c, "") for c in columns) + ")"
    table = "searchfts" if "rowid" in columns else "searchdoc"
    names = ", ".join(f'"{c}"' for c in columns)
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        db.database.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ' + ", ".join([one] * len(chunk)),
                                [v for row in chunk for v in row])


def _write(docs):
    if is_postgres():
        _insert([[row[c] for c in DOC_COLUMNS] + [_tsvector(fields, meta_lexemes(row))] for row, fields in docs],
                DOC_COLUMNS + ("document",), casts={"document": "::tsvector"})
        return
    _insert([[row[c] for c in DOC_COLUMNS] for row, _ in docs], DOC_COLUMNS)
    _insert([[row["product_id"], *(" ".join(fields[k]) for k in ("title", "unit", "body")), meta_tokens(row)]
             for row, fields in docs], ("rowid", "title", "unit", "body", "meta"))


_deferred = threading.local()


@contextmanager
def deferred():
    """Collect the reindex() calls made inside the block and run them once at its end
    (bulk 通过: one reindex per batch instead of one per product). Use inside the
    caller's transaction so the index still changes with the statuses."""
    if getattr(_deferred, "ids", None) is not None:  # nested: the outer block reindexes
        yield
        return
    _deferred.ids = set()
    try:
        yield
        ids = _deferred.ids
    finally:
        _deferred.ids = None
    reindex(ids)


def reindex(product_ids):
    """Bring the index rows of these products up to date (inside the caller's transaction)."""
    ids = sorted({int(i) for i in product_ids})
    if getattr(_deferred, "ids", None) is not None:
        _deferred.ids.update(ids)
        return
    if not ids:
        return
    with db.database.atomic():
        touch()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            # On SQLite a trigger removes the searchfts row with its searchdoc row.
            SearchDoc.delete().where(SearchDoc.product.in_(chunk)).execute()
            _write(_documents(chunk))


def reindex_unit(unit_id):
    reindex(pid for (pid,) in Product.select(Product.id).where(Product.unit == unit_id).tuples())


def reindex_all(batch=2000, progress=None):
    """Rebuild the whole index; returns the number of public products indexed. On PostgreSQL
    the GIN index collects the new rows in its pending list meanwhile and merges them once at
    the end (row by row, 100,000 products took minutes instead of seconds); on SQLite the text
    index is merged into one segment. Searches go on reading the old rows until the commit."""
    with db.database.atomic():
        touch()
        SearchDoc.delete().execute()
        if is_postgres():
            db.database.execute_sql('ALTER INDEX "searchdoc_document" SET (fastupdate = on)')
        else:
            db.database.execute_sql('DELETE FROM "searchfts"')
        ids = [pid for (pid,) in Product.select(Product.id).where(Product.status.in_(visibility.FILED))
               .order_by(Product.id).tuples()]
        for start in range(0, len(ids), batch):
            _write(_documents(ids[start:start + batch]))
            if progress:
                progress(min(start + batch, len(ids)), len(ids))
        if is_postgres():
            db.database.execute_sql("SELECT gin_clean_pending_list('searchdoc_document')")
            db.database.execute_sql('ALTER INDEX "searchdoc_document" SET (fastupdate = off)')
        else:
            optimize_text_index()
    return SearchDoc.select().count()


def optimize_text_index():
    """SQLite: merge searchfts' segments into one. A bulk load leaves many, and a query seeks in
    each (a sample of 有限公司 at 100,000 products: 5.4 ms before, 3.0 ms after; 0.8 s to merge)."""
    db.database.execute_sql("""INSERT INTO "searchfts" ("searchfts") VALUES ('optimize')""")


# ---------------------------------------------------------------- queries


DENSE = 0.3  # PostgreSQL: a token in more than this share of the index is checked on each row read


def _lexeme_shares():
    """PostgreSQL: {lexeme: share of the index rows holding it} of its most common lexemes, as
    the statistics (ANALYZE) last counted them; {} before any."""
    return dict(db.database.execute_sql(
        "SELECT u.e, u.f FROM pg_stats s, UNNEST(s.most_common_elems::text::text[], s.most_common_elem_freqs) "
        "AS u(e, f) WHERE s.schemaname = current_schema() AND s.tablename = 'searchdoc' "
        "AND s.attname = 'document' AND u.e IS NOT NULL").fetchall())


def _dense(toks):
    """PostgreSQL: the tokens found in more than DENSE of the index rows. GIN reads a token's
    whole list of rows (about 5 ms for one in each of 100,000 rows), so such a token is
    checked on the rows the others, the filters or a sample pick instead."""
    shares = kept("search-lexeme-shares", _lexeme_shares)
    return [t for t in toks if shares.get(t, 0) > DENSE]


def _match(toks, filters=None, extra=""):
    """(condition on SearchDoc, text): its text has every token (word tokens as prefixes).
    On PostgreSQL the GIN part of the condition also holds the filters' lexemes and `extra` (a
    tsquery of meta lexemes), so that GIN picks those rows alone, and leaves the _dense()
    tokens to a check of each row; `text` is the tokens' tsquery (what ts_rank reads)."""
    if is_postgres():
        def query(words):
            return " & ".join(f"'{t}'" + (":*" if _is_word(t) else "") for t in words)

        dense = _dense(toks)
        parts = (query([t for t in toks if t not in dense]), _filter_lexemes(filters or {}), extra)
        indexed = " & ".join(f"({part})" for part in parts if part)
        conditions = [Expression(SearchDoc.document, "@@", Cast(Value(indexed), "tsquery"))] if indexed else []
        if dense:  # COALESCE: an expression the GIN index does not serve
            conditions.append(Expression(fn.COALESCE(SearchDoc.document, Cast(Value(""), "tsvector")), "@@",
                                         Cast(Value(query(dense)), "tsquery")))
        return reduce(operator.and_, conditions) if conditions else SQL("TRUE"), query(toks)
    text = "{title unit body}: (" + " ".join(f'"{t}"' + ("*" if _is_word(t) else "") for t in toks) + ")"
    return SearchDoc.product.in_(SQL('(SELECT rowid FROM "searchfts" WHERE "searchfts" MATCH ?)',
                                     [text + _fts_filters(filters or {})])), text


def _filter_conditions(filters):
    """Conditions on SearchDoc's columns for the filters."""
    c = SearchDoc
    conds = []
    for name, value in filters.items():
        if name == "status":
            conds.append(c.status == value)
        elif name == "industry":
            conds.append(c.section == value if value.isalpha() else c.industry.startswith(value))
        elif name == "category":
            conds.append(c.category == "" if value == OTHER_CATEGORY else c.category.startswith(value))
        elif name == "province":
            conds.append(c.province == value)
        elif name == "year":
            conds.append(c.year == value)
    return conds


def clean(q, filters):
    """(query text, token list, valid filters, messages) from raw user input."""
    messages = []
    q = "".join(ch for ch in (q or "") if ch.isprintable()).strip()  # no NUL or other controls
    if len(q) > MAX_QUERY:
        q = q[:MAX_QUERY]
        messages.append(_l("查询内容过长，已截取前%(n)s个字。", n=MAX_QUERY))
    toks = query_tokens(q)
    if q and not toks:
        messages.append(_l("查询内容中没有可检索的文字或数字，已显示全部产品。"))
    valid = {}
    for name, value in (filters or {}).items():
        value = str(value if value is not None else "").strip()
        if not value:
            continue
        if name not in FILTERS:
            messages.append(_l("已忽略不支持的筛选条件“%(name)s”。", name=str(name)[:20]))
            continue
        normal = filter_value(name, value)
        if normal is None:
            messages.append(_l("筛选条件“%(name)s”的取值无效，已忽略。", name=FILTER_LABELS[name]))
        else:
            valid[name] = normal
    return q, toks, valid, messages


FIRST_YEAR = 2000


def filter_value(name, value):
    """A filter's value as the index holds it, or None when it is no value of that filter
    (an empty one, one with blanks around it, digits of other scripts included). Also
    accepted: a status by its Chinese label (已备案), a section letter in lower case, a province as its
    6-digit division code (440000). The search page and the open-data API share it; the API's
    OpenAPI document (public_site/openapi.py) states the same rules."""
    value = str(value)
    if name == "status":
        value = status_words().get(value, value)
        return value if value in PUBLIC_STATUS_LABELS else None
    if name == "industry":
        value = value.upper()
        return value if re.fullmatch(INDUSTRY_PATTERN, value) else None
    if name == "category":
        return value if re.fullmatch(CATEGORY_PATTERN, value) or value == OTHER_CATEGORY else None
    if name == "province":
        return value[:2] if re.fullmatch(PROVINCE_PATTERN, value) else None
    if name == "year":
        ok = re.fullmatch(r"[0-9]{4}", value) and FIRST_YEAR <= int(value) <= last_year()
        return int(value) if ok else None
    return None


def status_words():
    """{label: code} of the public statuses: the manual's words (已备案, 公示中, 已认定), which a
    status filter takes in whatever language the page or the API answers."""
    with force_locale("zh_Hans_CN"):
        return {str(label): code for code, label in PUBLIC_STATUS_LABELS.items()}


# The filters' values as regular expressions (whole value, ASCII digits): filter_value() and
# the API's OpenAPI document use the same ones.
INDUSTRY_PATTERN = "[A-T]|[0-9]{2,4}"  # a GB/T 4754 section letter, or a code prefix
CATEGORY_PATTERN = "[0-9]{2,10}"
# The category filter's value for products filed under 其他 (no catalogue code: the shipped
# 统计用产品分类目录 holds 大类 01–22 only; domain/filing/rules.py OTHER_CATEGORY).
OTHER_CATEGORY = "other"
PROVINCE_PATTERN = "(" + "|".join(PROVINCES) + ")(0000)?"  # 44 or 440000, provinces only


def last_year():
    """The last filing year a filter accepts (next year: a filing of 1 January, Beijing time)."""
    return today_shanghai().year + 1


FILTER_LABELS = {
    "status": _l("状态"),
    "industry": _l("产品所属行业"),
    "category": _l("产品分类"),
    "province": _l("省份"),
    "year": _l("备案年度"),
}


def _doc_query(toks, filters):
    query = SearchDoc.select(SearchDoc.product)
    conds = _filter_conditions(filters)
    if toks:
        conds.append(_match(toks, filters)[0])
    return query.where(*conds) if conds else query


def public_query(q, filters):
    """Public products matching q and the filters (a Product query, no ordering)."""
    _q, toks, valid, _messages = clean(q, filters)
    ids = _doc_query(toks, valid).select(SearchDoc.product)
    return visibility.listed_products().where(Product.id.in_(ids))


EXACT_UP_TO = 2000  # a text query's counts are exact up to this many matches, estimated (约) above
RANK_CANDIDATES = 1000  # a broad query ranks its newest this many matches; the rest follow by date
SAMPLE_ROWS = 640  # a broad query's counts are estimated from about this many matches


def _match_source(toks, buckets=None):
    """SQLite: (SQL, params): the facet columns of the index rows matching the text, read through
    the text index (FTS5); with buckets (a range of sample buckets), only those in them, which
    FTS5 picks by their tokens in searchfts.meta (hashing every match's rowid instead made the
    time grow with the matches: 1.76× from 100,000 to 300,000 products for 电池)."""
    text = _match(toks)[1] + (_sample_tokens(buckets) if buckets is not None else "")
    columns = 'd."status", d."section", d."industry", d."category", d."province", d."year"'
    return (f'SELECT {columns} FROM (SELECT rowid AS id FROM "searchfts" WHERE "searchfts" MATCH ?) s '
            'JOIN "searchdoc" d ON d."product_id" = s.id'), [text]


def _bucket_lexemes(buckets):
    """(meta lexemes, negated): a range of sample buckets as its buckets' lexemes, or, for the
    last buckets, as the rows in none of the first (an OR of many buckets' lists would walk most
    of the table); ([], True) for all the buckets."""
    if buckets.stop < FINE_SAMPLES:
        return [f"_s_{b}" for b in buckets], False
    return [f"_s_{b}" for b in range(buckets.start)], True


def _sample_tokens(buckets):
    """SQLite: the FTS5 condition (" AND …" / " NOT …", "" for all) that keeps the rows of a
    range of sample buckets."""
    lexemes, negated = _bucket_lexemes(buckets)
    if not lexemes:
        return ""
    return (" NOT" if negated else " AND") + " meta: (" + " OR ".join(_token(n) for n in lexemes) + ")"


def _fts_count(toks, limit, filters=None):
    """SQLite: how many documents match the text (and the filters), counted up to `limit` in the
    text index alone."""
    sql = 'SELECT COUNT(*) FROM (SELECT 1 FROM "searchfts" WHERE "searchfts" MATCH ? LIMIT ?)'
    return db.database.execute_sql(sql, [_match(toks)[1] + _fts_filters(filters or {}), int(limit)]).fetchone()[0]


def _grouping(filters, section, parent):
    """The widths (industry code, category code) the counts are grouped at: enough to tell
    every chosen filter and every facet value apart, and no finer."""
    industry = str(filters.get("industry", ""))
    width = max(2, len(industry)) if industry and not industry.isalpha() else (2 if section else 0)
    category_width = 2 if not parent or parent == OTHER_CATEGORY else len(parent) + 2
    return width, category_width


def _group_rows(source, params, width, category_width, limit=None):
    """[(status, section, industry, category, province, year, n)]: one GROUP BY over the rows
    of source (at most limit of them)."""
    industry = f'SUBSTR(m."industry", 1, {width})' if width else "''"
    sql = (f'SELECT m."status", m."section", {industry}, SUBSTR(m."category", 1, {category_width}), '
           f'm."province", m."year", COUNT(*) FROM ({source}{f" LIMIT {int(limit)}" if limit else ""}) m '
           "GROUP BY 1, 2, 3, 4, 5, 6")
    return [tuple(row) for row in db.database.execute_sql(sql, params).fetchall()]


def _groups(toks, filters, section, parent):
    """(groups, estimated): the matches of the text counted by facet values, every filter
    left for _passes. A filter-only page counts the whole index once per public change
    (infra.changes.kept); a text query is counted exactly up to EXACT_UP_TO matches, and past
    that from a sample (_sampled_groups)."""
    width, category_width = _grouping(filters, section, parent)
    if not toks:
        source = 'SELECT "status", "section", "industry", "category", "province", "year" FROM "searchdoc"'
        return kept(f"search-groups:{width}:{category_width}",
                    lambda: _group_rows(source, [], width, category_width)), False
    if is_postgres():
        return _sampled_groups(toks, width, category_width)
    # SQLite's text index counts a text's first matches without reading them: a broad text goes
    # straight to the sample (reading its first 2,001 matches took 5 ms of the 6.4).
    if _fts_count(toks, EXACT_UP_TO + 1) <= EXACT_UP_TO:
        source, params = _match_source(toks)
        return _group_rows(source, params, width, category_width), False
    return _sampled_groups(toks, width, category_width, over=True)


def _fine_sample(buckets):
    """PostgreSQL: a tsquery of a range of sample buckets ("" for all; as _sample_tokens on SQLite)."""
    lexemes, negated = _bucket_lexemes(buckets)
    if not lexemes:
        return ""
    either = " | ".join(_quoted(n) for n in lexemes)
    return f"!({either})" if negated else either


def _pg_size():
    """PostgreSQL: about how many rows the index has (the statistics' figure, else a count)."""
    estimate = db.database.execute_sql("SELECT reltuples FROM pg_class WHERE oid = 'searchdoc'::regclass").fetchone()
    return int(estimate[0]) if estimate and estimate[0] > 0 else SearchDoc.select().count()


def _sampled_groups(toks, width, category_width, over=False):
    """_groups() of a text query, reading about SAMPLE_ROWS of its matches however many there
    are. How many match is told by one sample bucket (1/256) of them, or on PostgreSQL, when
    every token is _dense(), by the statistics; a few are read exactly (up to EXACT_UP_TO + 1,
    unless `over`: known to be more); else further buckets are read until they should hold
    about SAMPLE_ROWS matches, and the counts scaled up (more if they hold far fewer). The text
    index picks the buckets' rows (meta_lexemes, searchfts.meta), so a sample costs its own
    rows only, and no bucket is read twice."""
    def rows_in(buckets, limit=None):
        if is_postgres():
            condition, _text = _match(toks, extra=_fine_sample(buckets) if buckets is not None else "")
            source, params = SearchDoc.select(SearchDoc.status, SearchDoc.section, SearchDoc.industry,
                                              SearchDoc.category, SearchDoc.province, SearchDoc.year
                                              ).where(condition).sql()
        else:
            source, params = _match_source(toks, buckets)
        return _group_rows(source, params, width, category_width, limit=limit)

    rows, k = {}, 0  # {group: matches} of the first k buckets
    if is_postgres() and len(_dense(toks)) == len(toks):
        shares = kept("search-lexeme-shares", _lexeme_shares)
        estimate = int(min(shares[t] for t in toks) * kept("search-size", _pg_size))
    else:
        rows, k = {r[:-1]: r[-1] for r in rows_in(range(1))}, 1
        estimate = sum(rows.values()) * FINE_SAMPLES
    if over:
        estimate = max(estimate, EXACT_UP_TO + 1)
    elif estimate <= EXACT_UP_TO * 2:
        exact = rows_in(None, limit=EXACT_UP_TO + 1)
        if sum(r[-1] for r in exact) <= EXACT_UP_TO:
            return exact, False
        estimate = max(estimate, EXACT_UP_TO + 1)
    while True:
        wanted = min(FINE_SAMPLES, -(-FINE_SAMPLES * SAMPLE_ROWS // estimate))
        if wanted > k:
            for *group, n in rows_in(range(k, wanted)):
                rows[tuple(group)] = rows.get(tuple(group), 0) + n
            k = wanted
        found = sum(rows.values())
        if found * 8 >= SAMPLE_ROWS or k == FINE_SAMPLES:
            return [(*group, round(n * FINE_SAMPLES / k)) for group, n in rows.items()], True
        estimate = max(1, found * FINE_SAMPLES // k // 8)  # far fewer than told: a larger sample


def _passes(name, value, group):
    """Whether a group of index rows passes one filter (as _filter_conditions says in SQL)."""
    status, section, industry, category, province, year, _n = group
    if name == "status":
        return status == value
    if name == "industry":
        return section == value if value.isalpha() else industry.startswith(value)
    if name == "category":
        return category == "" if value == OTHER_CATEGORY else category.startswith(value)
    if name == "province":
        return province == value
    return year == value  # year


def _count_by(groups, filters, position, length=None):
    """{value: n} of one column of the groups that pass the filters."""
    out = {}
    for g in groups:
        if all(_passes(k, v, g) for k, v in filters.items()):
            value = g[position] if length is None or g[position] is None else g[position][:length]
            out[value] = out.get(value, 0) + g[-1]
    return out


def _facet_counts(groups, filters, section, category_parent):
    """{facet: {value: count}}: each facet counted under every filter but its own."""
    others = {k: v for k, v in filters.items() if k != "category"}

    def but(name):
        return {k: v for k, v in filters.items() if k != name}

    category_groups = groups
    if category_parent:
        category_groups = [g for g in groups if _passes("category", category_parent, g)]
    out = {
        "status": _count_by(groups, but("status"), 0),
        "industry": _count_by(groups, but("industry"), 1),
        "category": _count_by(category_groups, others, 3),
        "province": _count_by(groups, but("province"), 4),
        "year": _count_by(groups, but("year"), 5),
    }
    if section:  # the divisions of the chosen section
        out["division"] = _count_by(groups, {**filters, "industry": section}, 2, length=2)
    return {name: {v: n for v, n in counts.items()
                   if n and (v not in (None, "") or (name == "category" and v == ""))}  # "": 其他
            for name, counts in out.items()}


def _date_ids(toks, filters, limit, offset):
    query = (_doc_query(toks, filters).select(SearchDoc.product)
             .order_by(SearchDoc.filed_at.desc(), SearchDoc.product.desc()))
    return [pid for (pid,) in query.limit(limit).offset(offset).tuples()]


def _ranked_ids(toks, filters, limit, offset):
    """Ids of a narrow query (at most EXACT_UP_TO matches) by relevance: all its matches ranked
    (ts_rank / bm25). A broad query takes _pg_broad_ids / _sqlite_broad_ids."""
    text = _match(toks)[1]
    if is_postgres():
        c = _doc_query(toks, filters).select(SearchDoc.product, SearchDoc.document, SearchDoc.filed_at).alias("c")
        rank = fn.ts_rank(c.c.document, Cast(Value(text), "tsquery"))
        query = (Select([c], [c.c.product_id])
                 .order_by(rank.desc(), c.c.filed_at.desc(), c.c.product_id.desc()).limit(limit).offset(offset))
        return [row[0] for row in db.database.execute(query)]
    # The filters are tokens of the text index (meta_tokens): one FTS5 query, ranked by bm25.
    cursor = db.database.execute_sql(
        'SELECT rowid FROM "searchfts" WHERE "searchfts" MATCH ? '
        'ORDER BY bm25("searchfts", 10.0, 4.0, 1.0, 0.0), rowid DESC LIMIT ? OFFSET ?',
        [text + _fts_filters(filters), limit, offset])
    return [row[0] for row in cursor.fetchall()]


def _pg_broad_ids(toks, filters, limit, offset, total):
    """A broad query by relevance on PostgreSQL, as on SQLite: its newest RANK_CANDIDATES matches
    by id ranked by ts_rank, then the other matches by filing date, newest first. The newest
    are looked for among the newest ids that should hold a quarter more than that many, by the
    estimated total, the span widened while too few turn up; so the rows read do not grow with
    the matches. GIN picks the span's few blocks of ids (meta_lexemes) with the text, which
    spares it a bitmap of every match (2.2 ms for 电池 at 100,000 products); a span of many
    blocks is left to the primary key's range (GIN reading many blocks' lists cost more)."""
    text = _match(toks)[1]
    top = kept("search-top-id", lambda: SearchDoc.select(fn.MAX(SearchDoc.product)).scalar() or 0)
    span = -(-RANK_CANDIDATES * 5 * top // (4 * max(total, 1)))
    while True:
        lowest = max(0, top - span)
        blocks = range(lowest // BLOCK, top // BLOCK + 1)
        extra = " | ".join(_quoted(f"_b_{b}") for b in blocks) if lowest and len(blocks) <= 8 else ""
        condition = _match(toks, filters, extra=extra)[0]
        # Within the blocks the lowest id is checked on each row: a bitmap of the primary key's
        # range beside GIN's cost 0.5 ms of the 3.7.
        above = (SearchDoc.product + 0 if extra else SearchDoc.product) > lowest
        rank = fn.ts_rank(SearchDoc.document, Cast(Value(text), "tsquery")).alias("rank")
        sql, params = (SearchDoc.select(SearchDoc.product, rank, SearchDoc.filed_at)
                       .where(condition, *_filter_conditions(filters), above).sql())
        # MATERIALIZED: the span's matches through the index (a plan for "newest first" would
        # walk the primary key and test every row), ranked as they are read.
        ranked = [row[0] for row in db.database.execute_sql(
            f"WITH m AS MATERIALIZED ({sql}) SELECT c.product_id FROM "
            "(SELECT * FROM m ORDER BY m.product_id DESC LIMIT %s) c "
            "ORDER BY c.rank DESC, c.filed_at DESC, c.product_id DESC",
            [*params, RANK_CANDIDATES]).fetchall()]
        if len(ranked) == RANK_CANDIDATES or not lowest:
            break
        span *= 4
    return _then_by_date(toks, filters, ranked, limit, offset)


def _fts_candidates(toks, filters):
    """(SQL, params) on SQLite: the newest RANK_CANDIDATES matches of a broad query that pass the
    filters, newest by id (the rowid: FTS5 walks its lists backwards and stops there; "newest
    by filing date" would need every match first, 30 ms at 100,000), each with its bm25 rank."""
    sql = ('SELECT rowid AS id, bm25("searchfts", 10.0, 4.0, 1.0, 0.0) AS rank FROM "searchfts" '
           f'WHERE "searchfts" MATCH ? ORDER BY rowid DESC LIMIT {int(RANK_CANDIDATES)}')
    return sql, [_match(toks)[1] + _fts_filters(filters)]


def _sqlite_broad_ids(toks, filters, limit, offset):
    """A broad query by relevance on SQLite: its newest matches (_fts_candidates) ranked by bm25,
    then the other matches by filing date, newest first."""
    sql, params = _fts_candidates(toks, filters)
    ranked = sorted(db.database.execute_sql(sql, params).fetchall(), key=lambda row: (row[1], -row[0]))
    return _then_by_date(toks, filters, [row[0] for row in ranked], limit, offset)


def _then_by_date(toks, filters, ranked, limit, offset):
    """The page at offset of a broad query's order: its ranked newest matches (ids), then, when
    they are RANK_CANDIDATES (not every match), the older matches by filing date, newest first."""
    ids = ranked[offset:offset + limit]
    if len(ranked) < RANK_CANDIDATES or offset + limit <= len(ranked):
        return ids  # the candidates are every match, or the page ends among them
    rest = (_doc_query(toks, filters).select(SearchDoc.product)
            .where(SearchDoc.product < min(ranked))  # the candidates are the newest by id
            .order_by(SearchDoc.filed_at.desc(), SearchDoc.product.desc()))
    start = max(0, offset - len(ranked))
    return ids + [pid for (pid,) in rest.limit(limit - len(ids)).offset(start).tuples()]


def _ordered_ids(toks, filters, sort, limit, offset, broad=True, total=0):
    if not (toks and sort == "relevance"):
        return _date_ids(toks, filters, limit, offset)
    if not broad:
        return _ranked_ids(toks, filters, limit, offset)
    if is_postgres():
        return _pg_broad_ids(toks, filters, limit, offset, total)
    return _sqlite_broad_ids(toks, filters, limit, offset)


# What a result card shows (templates/public/_search_macros.html product_card): reading a whole
# product with its unit (some seventy columns, its long 产品简介 among them) for each of twenty
# cards cost more than the query that chose them.
CARD_COLUMNS = (Product.id, Product.token, Product.name, Product.model, Product.filing_number, Product.filed_at,
                Product.unit, Unit.id, Unit.name, SearchDoc.status)


CARD_SLOTS = 100  # the most cards a page shows (search() caps per_page)
# The statements of a page of cards, rendered once (models.Prepared): for twenty ids, peewee
# building them took longer than running them.
_CARDS = Prepared(lambda slot: (
    visibility.listed_products().select(*CARD_COLUMNS).join(Unit).switch(Product)
    .join(SearchDoc, JOIN.LEFT_OUTER, on=(SearchDoc.product == Product.id))
    .where(Product.id.in_(slot.many("ids", CARD_SLOTS)))))
_IMAGES = Prepared(lambda slot: (
    ProductFile.select(ProductFile.product, StoredFile.key, StoredFile.public).join(StoredFile)
    .where(ProductFile.product.in_(slot.many("ids", CARD_SLOTS)), ProductFile.kind == "main_image",
           StoredFile.kind.in_(IMAGE_KINDS))
    .order_by(ProductFile.sort, ProductFile.id).tuples()))


def _products(ids):
    """Public products by id in the given order, with unit, status and main image loaded."""
    if not ids:
        return []
    rows, images = {}, {}
    for start in range(0, len(ids), CARD_SLOTS):
        chunk = ids[start:start + CARD_SLOTS]
        rows.update((p.id, p) for p in _CARDS.rows(ids=chunk))
        for pid, key, public in _IMAGES.rows(ids=chunk):
            images.setdefault(pid, (key, public))
    dates = visibility.recognition_dates(ids)
    out = []
    for pid in ids:
        if pid in rows:
            product = rows[pid]
            product.recognition_dates = dates.get(pid, {})  # 公示截止日期, or 证书编号 and 有效期至
            # (key, public): a public file is served by /files/<key>, others by the search's route
            product.main_image = images.get(pid)
            # the status macro shows its label (the index's, read with the card)
            doc = product.searchdoc  # None when the row left the index since the ids were read
            product.public_status = doc.status if doc else workflows.PublicStatus.FILED
            out.append(product)
    return out


def api_page(q, filters, after, limit):
    """One cursor page of the open-data API: the public products matching q and the filters
    whose id is above `after`, in id order, at most `limit` of them, and whether more follow.
    The same index and conditions as the search page; only the page's rows are read, each
    with its public list fields (visibility.listing_data) in a fixed number of statements."""
    _q, toks, valid, _messages = clean(q, filters)
    if toks and not is_postgres():  # the text index walks its matches in id order and stops
        listed = dict(db.database.execute_sql(
            'SELECT f.rowid, "d"."status" FROM "searchfts" AS f JOIN "searchdoc" AS "d" ON "d"."product_id" = f.rowid '
            'WHERE "searchfts" MATCH ? AND f.rowid > ? ORDER BY f.rowid LIMIT ?',
            [_match(toks)[1] + _fts_filters(valid), int(after), limit + 1]).fetchall())
    else:
        listed = dict(_doc_query(toks, valid).select(SearchDoc.product, SearchDoc.status)
                      .where(SearchDoc.product > after).order_by(SearchDoc.product).limit(limit + 1).tuples())
    ids = sorted(listed)[:limit]
    rows = {p.id: p for p in visibility.listed_products()
            .select(Product, Unit, Industry, ProductCategory).join(Unit).switch(Product)
            .join(Industry, JOIN.LEFT_OUTER).switch(Product).join(ProductCategory, JOIN.LEFT_OUTER)
            .where(Product.id.in_(ids))} if ids else {}
    products = [rows[pid] for pid in ids if pid in rows]
    return visibility.listing_data(products, listed), len(listed) > limit, ids[-1] if ids else None


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Results:
    items: list
    total: int
    page: int
    pages: int
    per_page: int
    facets: dict
    q: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    messages: list = field(default_factory=list)
    estimated: bool = False  # total and counts estimated from a sample: shown as 约 N


def facets(toks, filters):
    """Counts per value of each filter, each ignoring its own selection (so a selected
    province still lists the others), plus the divisions of the selected industry section;
    the number of results (the status counts under every filter); and whether they are
    estimated (a text query with more than EXACT_UP_TO matches)."""
    out = {}
    selected = {k: str(v) for k, v in filters.items()}
    industry = selected.get("industry", "")
    section = industry if industry.isalpha() else section_of(industry)
    category = selected.get("category", "")
    # Drill down: the categories one level below the selected one (2-digit classes first).
    parent = category[:-2] if len(category) == 10 else category
    groups, estimated = _groups(toks, filters, section, parent)
    all_counts = _facet_counts(groups, filters, section, parent)

    counts = all_counts["status"]
    out["status"] = [FacetValue(k, str(label), counts.get(k, 0), selected.get("status") == k)
                     for k, label in PUBLIC_STATUS_LABELS.items()]
    total = counts.get(selected["status"], 0) if "status" in selected else sum(counts.values())

    counts = all_counts["industry"]
    names = dict(Industry.select(Industry.code, Industry.name).where(Industry.level == 1).tuples())
    out["industry"] = sorted((FacetValue(k, names.get(k, k), n, k == section) for k, n in counts.items()),
                             key=lambda f: -f.count)
    out["division"] = []
    if section:
        counts = all_counts["division"]
        names = dict(Industry.select(Industry.code, Industry.name).where(Industry.parent_code == section).tuples())
        out["division"] = sorted((FacetValue(k, names.get(k, k), n, industry[:2] == k) for k, n in counts.items()),
                                 key=lambda f: -f.count)

    counts = all_counts["category"]
    names = dict(ProductCategory.select(ProductCategory.code, ProductCategory.name)
                 .where(ProductCategory.code.in_(list(counts))).tuples()) if counts else {}
    out["category"] = sorted((FacetValue(k or OTHER_CATEGORY, names.get(k, k) or str(_l("其他")), n,
                                         (k or OTHER_CATEGORY) == category) for k, n in counts.items()),
                             key=lambda f: -f.count)

    counts = all_counts["province"]
    out["province"] = sorted((FacetValue(k, PROVINCES.get(k, k), n, selected.get("province") == k)
                              for k, n in counts.items()), key=lambda f: -f.count)
    counts = all_counts["year"]
    out["year"] = [FacetValue(str(k), str(k), n, selected.get("year") == str(k))
                   for k, n in sorted(counts.items(), reverse=True)]
    if estimated:  # two significant figures: the sample says no more
        for values in out.values():
            for f in values:
                f.count = about(f.count)
        total = about(total)
        # A few matches under the filters: count them (a sample of fewer than ~30 rows may miss
        # them). Above that the sample's error is within the two figures shown.
        if total < EXACT_UP_TO // 4:
            total = about(_doc_query(toks, filters).limit(EXACT_UP_TO * 2).count() if is_postgres()
                          else _fts_count(toks, EXACT_UP_TO * 2, filters))
    return out, total, estimated


def about(n):
    """An estimate rounded to two significant figures (12,345 → 12,000)."""
    return round(n, 2 - len(str(n))) if n >= 100 else n


def search(q, filters, sort="relevance", page=1, per_page=20, with_facets=True):
    """One page of public products matching q and the filters. Never raises on user input:
    bad filters are dropped, a page past the end shows the last page; `messages` says so."""
    q, toks, valid, messages = clean(q, filters)
    sort = sort if sort in ("relevance", "date") else "relevance"
    per_page = max(1, min(int(per_page), 100))
    facet_values, total, estimated = facets(toks, valid)
    if not with_facets:
        facet_values = {}
    shown = paging(page, total, per_page)
    if shown.message:
        messages.append(shown.message)
    ids = _ordered_ids(toks, valid, sort, per_page, shown.offset, broad=estimated, total=total) if total else []
    return Results(items=_products(ids), total=total, page=shown.number, pages=shown.pages, per_page=per_page,
                   facets=facet_values, q=q, filters=valid,
                   sort=sort, messages=messages, estimated=estimated)


def export_rows(q, filters, sort="relevance", limit=EXPORT_LIMIT):
    """The public columns of the first `limit` results, in page order, for CSV/XLSX."""
    _q, toks, valid, _messages = clean(q, filters)
    _counts, total, estimated = facets(toks, valid)  # in the search page's order: broad or not
    ids = _ordered_ids(toks, valid, sort if sort in ("relevance", "date") else "relevance", limit, 0,
                       broad=estimated, total=total)
    rows = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = (visibility.listed_products()
                 .select(Product.id, Product.name, Product.model, Product.filing_number, Product.filed_at,
                         Unit.name.alias("unit_name"), Industry.name.alias("industry_name"),
                         ProductCategory.name.alias("category_name"), SearchDoc.status.alias("public_status"))
                 .join(Unit).switch(Product).join(Industry, JOIN.LEFT_OUTER).switch(Product)
                 .join(ProductCategory, JOIN.LEFT_OUTER).switch(Product)
                 .join(SearchDoc, on=(SearchDoc.product == Product.id))
                 .where(Product.id.in_(chunk)).dicts())
        rows.update({r["id"]: r for r in query})
    return [rows[i] for i in ids if i in rows]


EXPORT_HEADERS = (_l("产品名称"), _l("规格型号"), _l("单位名称"), _l("状态"), _l("备案号"),
                  _l("产品所属行业"), _l("产品分类"), _l("备案日期"))


def export_dataset(q, filters, sort="relevance"):
    """A tablib Dataset of the current results' public fields (at most EXPORT_LIMIT rows).
    Every cell goes through documents.spreadsheet_cell(): a product named =HYPERLINK(…) is
    text in Excel, not a formula."""
    data = tablib.Dataset(headers=[str(h) for h in EXPORT_HEADERS], title=str(_l("产品信息查询")))
    for r in export_rows(q, filters, sort):
        row = (r["name"], r["model"], r["unit_name"], str(PUBLIC_STATUS_LABELS[r["public_status"]]),
               r["filing_number"] or "", r["industry_name"] or "", r["category_name"] or "",
               shanghai_time(r["filed_at"], "%Y-%m-%d"))
        data.append([spreadsheet_cell(value) for value in row])
    return data


def widen_columns(xlsx):
    """An exported workbook with columns wide enough for their text (tablib counts a Chinese
    character as one, Excel draws it two wide)."""
    book = load_workbook(io.BytesIO(xlsx))
    for column in book.active.columns:
        widest = max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(cell.value or ""))
                     for cell in column)
        book.active.column_dimensions[column[0].column_letter].width = min(widest + 2, 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def status_counts():
    """{public status: number of products} for the home page."""
    counts = dict(SearchDoc.select(SearchDoc.status, fn.COUNT(SQL("*"))).group_by(SearchDoc.status).tuples())
    return {k: counts.get(k, 0) for k in PUBLIC_STATUS_LABELS}


@dataclass(frozen=True)
class HomeFigures:
    counts: dict  # {public status: number of products}
    latest: list  # the newest public filings
    notices: list  # the newest products in notice


def home_figures():
    """The home page's counts and lists, read once per public change (infra.changes.kept),
    for anonymous and signed-in visitors alike."""
    return kept("home", lambda: HomeFigures(status_counts(), latest(10),
                                            latest(20, status=workflows.PublicStatus.NOTICE)))


def latest(n=10, status=None):
    """The newest public filings (or the newest of one public status)."""
    query = SearchDoc.select(SearchDoc.product).order_by(SearchDoc.filed_at.desc(), SearchDoc.product.desc())
    if status:
        query = query.where(SearchDoc.status == status)
    return _products([pid for (pid,) in query.limit(n).tuples()])


# ---------------------------------------------------------------- keeping in step


def on_status_change(kind, obj, transition):
    """workflows.apply() listener: a product's public state or text may have changed."""
    if kind == "product":
        reindex([obj.id])
    elif kind in ("recognition", "update"):
        reindex([obj.product_id])
    elif kind == "change" and transition.target == workflows.ChangeStatus.APPROVED and "name" in obj.new_values:
        reindex_unit(obj.unit_id)  # its products are found by the new and the former names


def init_app(app):
    workflows.listen("search", on_status_change)

"""Pure validators: each returns the normalised value or raises ValidationError with a
Chinese message (a lazy string, rendered in the request's locale)."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l


class FormErrors(Exception):
    """Every problem of a form at once: errors is {field: message}."""

    def __init__(self, errors):
        super().__init__(str(errors))
        self.errors = errors


class ValidationError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normal(value):
    """Text as a user means it: the full-width forms a Chinese input method types (１２３, ＡＢＣ,
    the ideographic space) become ASCII; surrounding blanks go. Anything else stays what it is
    — superscripts (²), other scripts' digits (٣) — and the checks below accept ASCII digits
    only, so those are refused rather than read as numbers."""
    return str(value or "").translate(FULL_WIDTH).strip()


# The largest integer column (and id) of either database: PostgreSQL's `integer`. A bigger
# number reaching a query is a 500 ("integer out of range", or SQLite's OverflowError).
INT_MAX = 2**31 - 1


def digits(value, message, maximum=INT_MAX):
    """An ASCII whole number (after normal()) up to `maximum`, or ValidationError(message)
    (too big: 数值过大)."""
    text = normal(value)
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(message)
    text = text.lstrip("0") or "0"
    if len(text) > len(str(maximum)) or int(text) > maximum:  # (int() refuses 5,000 digits)
        raise ValidationError(_l("数值过大"))
    return int(text)


def row_id(value):
    """An id from a URL or a form as a query may use it, or None: not a whole number, or
    bigger than any id can be."""
    try:
        return digits(value, "", maximum=INT_MAX)
    except ValidationError:
        return None


# ---------------------------------------------------------------- page numbers

MAX_PAGE = 100000  # no list is that long; any bigger number is simply past the end


@dataclass(frozen=True)
class Paging:
    """The page of a list to show: `number` counts from 1 and lies within 1..pages."""

    number: int
    pages: int
    per_page: int
    message: object = None  # why this is not the page that was asked for

    @property
    def offset(self):
        return (self.number - 1) * self.per_page


def paging(raw, total, per_page, first=1):
    """The page a query string's `page` asks for, made safe for any input: none → the first
    page; not a page number (abc, -3, 0 where pages count from 1) → the first page with a
    message; past the end (999, 99999999999999999999) → the last page with a message (as
    产品信息查询 does). `first` is the number of the first page in URLs (Flask-Admin's count
    from 0). `total` None: unknown, only MAX_PAGE bounds the page."""
    text = normal(raw)
    per_page = max(per_page, 1)
    pages = max(-(-total // per_page), 1) if total is not None else MAX_PAGE
    if not text:
        return Paging(1, pages, per_page)
    if not (text.isascii() and text.isdigit()):
        return Paging(1, pages, per_page, _l("页码无效，已显示第一页。"))
    text = text.lstrip("0") or "0"
    number = int(text) - first + 1 if len(text) <= len(str(MAX_PAGE)) else MAX_PAGE + 1
    if number < 1:
        return Paging(1, pages, per_page, _l("页码无效，已显示第一页。"))
    if number > pages:
        return Paging(pages, pages, per_page, _l("页码超出范围，已显示最后一页。") if total != 0 else None)
    return Paging(number, pages, per_page)


# ---------------------------------------------------------------- 统一社会信用代码 GB 32100-2015

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body17):
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc(value):
    code = re.sub(r"\s+", "", normal(value)).upper()
    if not code:
        raise ValidationError(_l("请输入统一社会信用代码"))
    if len(code) != 18:
        raise ValidationError(_l("统一社会信用代码应为18位"))
    if any(c not in USCC_CHARSET for c in code):
        raise ValidationError(_l("统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z）"))
    if not code[2:8].isdigit():
        raise ValidationError(_l("统一社会信用代码第3-8位应为行政区划代码"))
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_l("统一社会信用代码校验位不正确"))
    return code


def is_valid_uscc(value):
    try:
        uscc(value)
    except ValidationError:
        return False
    return True


def uscc_division_code(code):
    """The 6-digit administrative division code (登记管理机关行政区划码)."""
    return code[2:8]


def province_code(code):
    return code[2:4] + "0000"


# ---------------------------------------------------------------- accounts

USERNAME_RE = re.compile(r"^[A-Za-z0-9\u4e00-\u9fff]+$")


def username(value):
    name = (value or "").strip()
    if not name:
        raise ValidationError(_l("请输入用户名"))
    if not 4 <= len(name) <= 20:
        raise ValidationError(_l("用户名长度为4-20个字符"))
    if not USERNAME_RE.match(name):
        raise ValidationError(_l("用户名只能包含字母、数字和汉字，不支持特殊字符"))
    if name.isdigit():
        raise ValidationError(_l("用户名不能全为数字"))
    return name


def mobile(value):
    """A mainland mobile number in an allocated range, as its 11 digits (+86, 0086, spaces and
    dashes accepted), by the phonenumbers library's numbering plan."""
    text = re.sub(r"[\s\-()]", "", normal(value))
    if not text:
        raise ValidationError(_l("请输入手机号"))
    if not text.lstrip("+").isascii() or not text.lstrip("+").isdigit():
        raise ValidationError(_l("手机号格式不正确"))
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_l("手机号格式不正确")) from exc
    if (number.country_code != 86 or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE):
        raise ValidationError(_l("手机号格式不正确"))
    return str(number.national_number)


def email(value):
    text = (value or "").strip()
    if not text:
        raise ValidationError(_l("请输入邮箱"))
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(_l("邮箱格式不正确")) from exc
    return result.normalized.lower()


def password(value):
    text = value or ""
    if not text:
        raise ValidationError(_l("请输入密码"))
    if any(c.isspace() for c in text):
        raise ValidationError(_l("密码不能包含空格"))
    if not 8 <= len(text) <= 18:
        raise ValidationError(_l("密码长度应为8-18位"))
    classes = sum((
        any(c.isdigit() for c in text),
        any(c.isascii() and c.isalpha() for c in text),
        any(not c.isalnum() for c in text),
    ))
    if classes < 2:
        raise ValidationError(_l("密码须包含数字、字母和特殊字符中的至少两种"))
    return text


def sms_code(value):
    code = normal(value)
    if not re.fullmatch(r"[0-9]{6}", code):
        raise ValidationError(_l("请输入6位短信验证码"))
    return code


# ---------------------------------------------------------------- patents

PATENT_KINDS = {"1": "invention", "2": "utility", "3": "design", "8": "pct_invention",
                "9": "pct_utility"}
PATENT_KIND_LABELS = {"invention": _l("发明"), "utility": _l("实用新型"), "design": _l("外观设计"),
                      "pct_invention": _l("PCT发明"), "pct_utility": _l("PCT实用新型")}


@dataclass(frozen=True)
class PatentNumber:
    application_number: str  # digits and check character, no dot: 2020105660889
    kind: str

    @property
    def display(self):
        return f"ZL{self.application_number[:-1]}.{self.application_number[-1]}"


def patent_check_char(body):
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5) if len(body) == 12 else (2, 3, 4, 5, 6, 7, 8, 9)
    total = sum(int(d) * w for d, w in zip(body, weights)) % 11
    return "X" if total == 10 else str(total)


REGISTRY_FORM = re.compile(r"ZL([0-9]{12})\.([0-9X])")  # the registry's own form, on nearly every row of its files


def patent_number(value):
    """ZL202010566088.9, 202010566088.9, CN2020105660889, old 9-character numbers. The
    registry's own form is checked straight away (a million rows of an import: 6-10 us each
    through the general path)."""
    match = REGISTRY_FORM.fullmatch(value) if isinstance(value, str) else None
    if match and match[1][4] in PATENT_KINDS and patent_check_char(match[1]) == match[2]:
        return PatentNumber(application_number=match[1] + match[2], kind=PATENT_KINDS[match[1][4]])
    text = re.sub(r"[\s.]", "", normal(value).upper())
    text = re.sub(r"^(ZL|CN)", "", text)
    if not re.fullmatch(r"([0-9]{12}|[0-9]{8})[0-9X]", text):
        raise ValidationError(_l("专利号格式不正确"))
    body, check = text[:-1], text[-1]
    type_digit = body[4] if len(body) == 12 else body[2]
    if type_digit not in PATENT_KINDS:
        raise ValidationError(_l("专利类型位不正确"))
    if patent_check_char(body) != check:
        raise ValidationError(_l("专利号校验位不正确"))
    return PatentNumber(application_number=text, kind=PATENT_KINDS[type_digit])


def patent_kind_label(kind):
    return PATENT_KIND_LABELS.get(kind, kind)


# ---------------------------------------------------------------- products


def gtin13(value):
    code = re.sub(r"\s", "", normal(value))
    if not re.fullmatch(r"[0-9]{13}", code):
        raise ValidationError(_l("商品条码应为13位数字"))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    if (10 - total % 10) % 10 != int(code[12]):
        raise ValidationError(_l("商品条码校验位不正确"))
    return code


MONEY_MAX = Decimal("999999999999.99")


def _decimal(value):
    text = normal(value if value is not None else "").replace(",", "")
    if not text:
        raise ValidationError(_l("请输入数字"))
    if not text.isascii():  # Decimal() would take other scripts' digits
        raise ValidationError(_l("请输入数字，最多两位小数"))
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(_l("请输入数字，最多两位小数")) from exc
    if not number.is_finite():
        raise ValidationError(_l("请输入数字，最多两位小数"))
    return number


def money(value, allow_negative=False):
    """万元 amount with at most two decimals."""
    number = _decimal(value)
    if number.as_tuple().exponent < -2:
        raise ValidationError(_l("请输入数字，最多两位小数"))
    if number < 0 and not allow_negative:
        raise ValidationError(_l("不能为负数"))
    if abs(number) > MONEY_MAX:
        raise ValidationError(_l("数值过大"))
    return number.quantize(Decimal("0.01"))


def percent(value, lo=0, hi=100):
    number = money(value, allow_negative=lo < 0)
    if not lo <= number <= hi:
        raise ValidationError(_l("应在%(lo)s到%(hi)s之间", lo=lo, hi=hi))
    return number


def year(value, lo, hi):
    number = digits(value, _l("年份应在%(lo)s到%(hi)s之间", lo=lo, hi=hi))
    if not lo <= number <= hi:
        raise ValidationError(_l("年份应在%(lo)s到%(hi)s之间", lo=lo, hi=hi))
    return number

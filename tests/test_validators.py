"""validators.py: the rules of SPEC §2, §3, §5 and §6.1 as pure functions."""

from decimal import Decimal

import pytest

from infra import validators as v

REAL_CODES = ("914403001922038216", "91110000802100433B")


@pytest.fixture(autouse=True)
def babel_context(app):
    """Messages are lazy strings: render them in the app's default (Chinese) locale."""
    with app.test_request_context():
        yield


def message(func, *args, **kw):
    with pytest.raises(v.ValidationError) as exc:
        func(*args, **kw)
    return str(exc.value.message)


# ---------------------------------------------------------------- 统一社会信用代码


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_are_accepted(code):
    assert v.uscc(code) == code
    assert v.uscc(" " + code.lower() + " ") == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_one_character_corruption_of_a_real_code_is_refused(code):
    refused = 0
    for pos in range(18):
        for ch in v.USCC_CHARSET:
            if ch == code[pos]:
                continue
            corrupted = code[:pos] + ch + code[pos + 1:]
            assert not v.is_valid_uscc(corrupted), corrupted
            refused += 1
    assert refused == 18 * 30


def test_wrong_credit_code_check_character_is_refused():
    assert message(v.uscc, "914403001922038217") == "统一社会信用代码校验位不正确"


def test_credit_code_length_and_characters_are_explained():
    assert message(v.uscc, "91440300192203821") == "统一社会信用代码应为18位"
    assert message(v.uscc, "9144030019220382I6") == "统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z）"
    assert message(v.uscc, "") == "请输入统一社会信用代码"


def test_region_of_a_credit_code():
    assert v.uscc_division_code("914403001922038216") == "440300"
    assert v.province_code("91110000802100433B") == "110000"


# ---------------------------------------------------------------- accounts


@pytest.mark.parametrize("name", ["abcd", "示范企业", "Alice01", "企业2026", "a" * 20])
def test_good_usernames(name):
    assert v.username(name) == name


@pytest.mark.parametrize("name, text", [
    ("abc", "用户名长度为4-20个字符"),
    ("a" * 21, "用户名长度为4-20个字符"),
    ("alice@x.cn", "用户名只能包含字母、数字和汉字，不支持特殊字符"),
    ("alice_01", "用户名只能包含字母、数字和汉字，不支持特殊字符"),
    ("ali ce", "用户名只能包含字母、数字和汉字，不支持特殊字符"),
    ("13912345678", "用户名不能全为数字"),
])
def test_bad_usernames_are_refused_with_the_reason(name, text):
    assert message(v.username, name) == text


@pytest.mark.parametrize("raw", ["13912345678", "+86 139 1234 5678", "+8613912345678",
                                 "139-1234-5678", "86 13912345678"])
def test_mobile_numbers_are_normalised(raw):
    assert v.mobile(raw) == "13912345678"


@pytest.mark.parametrize("raw", ["12912345678", "1391234567", "139123456789", "abc", "+1 415 555 0100"])
def test_bad_mobile_numbers_are_refused(raw):
    assert message(v.mobile, raw) == "手机号格式不正确"


@pytest.mark.parametrize("pw", ["abc12345", "12345678!", "abcdefg!", "Ab1!Ab1!Ab1!Ab1!Ab"])
def test_passwords_with_two_kinds_of_characters(pw):
    assert v.password(pw) == pw


@pytest.mark.parametrize("pw, text", [
    ("abc123", "密码长度应为8-18位"),
    ("abc123456789012345!", "密码长度应为8-18位"),
    ("abcdefgh", "密码须包含数字、字母和特殊字符中的至少两种"),
    ("12345678", "密码须包含数字、字母和特殊字符中的至少两种"),
    ("!@#$%^&*", "密码须包含数字、字母和特殊字符中的至少两种"),
    ("abc 12345", "密码不能包含空格"),
])
def test_weak_passwords_are_refused(pw, text):
    assert message(v.password, pw) == text


def test_email_and_sms_code():
    assert v.email(" Clerk@Example.CN ") == "clerk@example.cn"
    assert message(v.email, "clerk@") == "邮箱格式不正确"
    assert v.sms_code(" 012345 ") == "012345"
    assert message(v.sms_code, "12345") == "请输入6位短信验证码"


# ---------------------------------------------------------------- patents


@pytest.mark.parametrize("raw", ["ZL202010566088.9", "202010566088.9", "CN202010566088.9",
                                 "ZL2020105660889", "zl 2020 1056 6088.9"])
def test_accepted_forms_of_a_patent_number(raw):
    number = v.patent_number(raw)
    assert number.application_number == "2020105660889"
    assert number.display == "ZL202010566088.9"
    assert number.kind == "invention"


def test_patent_type_digit_gives_the_kind():
    for type_digit, kind in (("1", "invention"), ("2", "utility"), ("3", "design"),
                             ("8", "pct_invention"), ("9", "pct_utility")):
        body = f"2021{type_digit}0123456"
        number = v.patent_number(body + v.patent_check_char(body))
        assert number.kind == kind
        assert str(v.patent_kind_label(kind))


def test_old_nine_character_numbers_with_x_check():
    body = next(f"9{t}2{n:05d}" for t in "9" for n in range(100000)
                if v.patent_check_char(f"9{t}2{n:05d}") == "X")
    number = v.patent_number(f"ZL{body}.X")
    assert number.kind == "utility" and number.application_number == body + "X"


def test_patent_number_errors():
    assert message(v.patent_number, "ZL202010566088.8") == "专利号校验位不正确"
    body = "202040566088"
    assert message(v.patent_number, body + v.patent_check_char(body)) == "专利类型位不正确"
    assert message(v.patent_number, "ZL20201056608.9") == "专利号格式不正确"
    assert message(v.patent_number, "US10566088") == "专利号格式不正确"


# ---------------------------------------------------------------- product figures


@pytest.mark.parametrize("code", ["6901234567892", "4006381333931"])
def test_valid_gtin13(code):
    assert v.gtin13(code) == code


def test_bad_gtin13():
    assert message(v.gtin13, "6901234567891") == "商品条码校验位不正确"
    assert message(v.gtin13, "690123456789") == "商品条码应为13位数字"


def test_money_percent_and_year():
    assert v.money("1,234.5") == Decimal("1234.50")
    assert v.money("-12.30", allow_negative=True) == Decimal("-12.30")
    assert message(v.money, "-1") == "不能为负数"
    assert message(v.money, "1.234") == "请输入数字，最多两位小数"
    assert message(v.money, "abc") == "请输入数字，最多两位小数"
    assert v.percent("100") == Decimal("100.00")
    assert message(v.percent, "100.01") == "应在0到100之间"
    assert v.year("1985", 1985, 2026) == 1985
    assert message(v.year, "1984", 1985, 2026) == "年份应在1985到2026之间"


# ---------------------------------------------------------------- digits a user types

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_full_width_digits_are_read_as_the_digits_they_are():
    assert v.gtin13("6921168509256".translate(FULL_WIDTH)) == "6921168509256"
    assert v.mobile("13８００１３８０００") == "13800138000"
    assert v.sms_code("１２３４５６") == "123456"
    assert v.patent_number("ZL202010566088.9".translate(FULL_WIDTH)).application_number == "2020105660889"
    assert v.money("１２.５") == Decimal("12.50")
    assert v.year("２０２０", 1985, 2030) == 2020
    assert v.uscc("91440300192203821６".translate(FULL_WIDTH)) == "914403001922038216"


@pytest.mark.parametrize("raw", ["٦٩٢١١٦٨٥٠٩٢٥٦", "６９２١١٦٨٥٠٩٢٥٦"])
def test_other_scripts_digits_are_refused_as_a_gtin(raw):
    assert message(v.gtin13, raw) == "商品条码应为13位数字"


@pytest.mark.parametrize(("func", "raw"), [
    (lambda x: v.year(x, 1985, 2030), "²⁰²⁰"), (v.money, "١٢"), (v.sms_code, "١٢٣٤٥٦"),
    (lambda x: v.digits(x, "请填写整数"), "²"),
])
def test_superscripts_and_other_digits_are_refused_not_crashed_on(func, raw):
    with pytest.raises(v.ValidationError):
        func(raw)


def test_the_0086_prefix_is_accepted_and_unallocated_ranges_are_refused():
    assert v.mobile("008613800138000") == "13800138000"
    assert v.mobile("+86 138-0013-8000") == "13800138000"
    for prefix in ("154", "140", "160", "169", "194", "179"):
        assert message(v.mobile, f"{prefix}00138000") == "手机号格式不正确", prefix

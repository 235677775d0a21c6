"""Province-level administrative division codes (the first two digits of a region code and
characters 3–4 of a 统一社会信用代码) and their short names."""

PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆",
}


def province_of(credit_code, region_code=""):
    """The 2-digit province code of a unit: from its credit code, else its region code."""
    code = (credit_code or "")[2:4]
    if code in PROVINCES:
        return code
    code = (region_code or "")[:2]
    return code if code in PROVINCES else ""

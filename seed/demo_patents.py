"""Generated registry patents for demo data and benchmarks: valid numbers and check
digits, realistic Chinese titles, co-owned patents, lapsed ones."""

import random
from datetime import date, timedelta

from infra.validators import PatentNumber, patent_check_char

SUBJECTS = ("电池管理系统", "锂离子电池", "电动汽车充电桩", "光伏逆变器", "工业机器人", "数控机床", "智能手机",
            "无人机", "传感器", "显示面板", "芯片封装结构", "服务器散热装置", "医用导管", "体外诊断试剂盒",
            "农业收割机", "水处理膜组件", "空调压缩机", "轴承", "齿轮箱", "电机控制器", "路由器", "摄像模组",
            "智能门锁", "扫地机器人", "储能变流器", "风力发电机叶片", "高铁转向架", "液压阀", "激光切割头",
            "3D打印喷头")
FORMS = ("一种{s}", "一种{s}及其制造方法", "{s}的控制方法", "用于{s}的检测装置", "一种{s}的散热结构",
         "{s}组件", "一种改进的{s}", "{s}的装配工装")
COMPANY_PARTS = ("华", "中", "新", "创", "科", "智", "联", "达", "瑞", "恒", "博", "宇", "安", "信", "盛", "通")
CITIES = ("北京", "上海", "深圳", "杭州", "苏州", "南京", "武汉", "成都", "西安", "合肥", "广州", "天津")
UNIVERSITIES = ("清华大学", "浙江大学", "华南理工大学", "哈尔滨工业大学", "中国科学技术大学", "西安交通大学")
KIND_DIGITS = {"invention": "1", "utility": "2", "design": "3"}


def companies(rng, n):
    names = set()
    while len(names) < n:
        names.add(f"{rng.choice(CITIES)}{''.join(rng.sample(COMPANY_PARTS, 2))}"
                  f"{rng.choice(('科技', '电子', '智能', '新能源', '精密'))}有限公司")
    return sorted(names)


def generate(n, seed=2026, owners=()):
    """n registry rows (clean dicts as patents.clean_row returns). `owners` is a list of
    (name, count, co_owned_every, lapsed_every) whose patents come first."""
    rng = random.Random(seed)
    pool = companies(rng, 400) + list(UNIVERSITIES)
    used = set()
    rows = []
    plan = []
    for name, count, co_every, lapsed_every in owners:
        plan += [(name, i, co_every, lapsed_every) for i in range(count)]
    for i in range(n):
        kind = rng.choices(("invention", "utility", "design"), weights=(5, 4, 1))[0]
        year = rng.randint(2008, 2024)
        while True:
            body = f"{year}{KIND_DIGITS[kind]}{rng.randint(0, 9999999):07d}"
            if body not in used:
                used.add(body)
                break
        number = PatentNumber(body + patent_check_char(body), kind)
        if i < len(plan):
            owner, k, co_every, lapsed_every = plan[i]
            holders = [owner] + ([rng.choice(UNIVERSITIES)] if co_every and k % co_every == 0 else [])
            status = "invalid" if lapsed_every and k % lapsed_every == lapsed_every - 1 else "valid"
        else:
            holders = rng.sample(pool, rng.choice((1, 1, 1, 2)))
            status = rng.choices(("valid", "invalid", "expired"), weights=(80, 15, 5))[0]
        applied = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        term = {"invention": 20, "utility": 10, "design": 15}[kind]
        rows.append({
            "number": number.application_number, "display_number": number.display,
            "name": rng.choice(FORMS).format(s=rng.choice(SUBJECTS)) if kind != "design"
            else f"{rng.choice(SUBJECTS)}（外观设计）",
            "kind": kind, "patentees": holders, "legal_status": status,
            "application_date": applied, "grant_date": applied + timedelta(days=rng.randint(200, 900)),
            "expiry_date": applied + timedelta(days=365 * term + term // 4),
        })
    return rows

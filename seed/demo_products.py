"""Demo filing units and products, so that `make run` opens on a living platform: ten more
verified units across provinces beside `demo_unit`, and some 250 products — most of them
已备案, a few in every other state — each with a picture, an economic-benefit PDF, the
unit's own patents and figures that agree with the unit's asset info.

Products are created as drafts and then move only through workflows.apply(), as a unit
and a reviewer would move them (submit, approve, reject, revocation), so filing numbers,
snapshots, audit rows and notifications are the real ones. Deterministic (one seeded
random) and loaded once: nothing is added when `demo_unit2` exists.
"""

import colorsys
import io
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask_security import hash_password
from PIL import Image, ImageDraw

import workflows
from domain import transitions
from domain.filing.rules import method1_index
from domain.patents import _upsert, auto_import
from infra import storage
from infra.extensions import user_datastore
from infra.validators import USCC_CHARSET, uscc_check_char
from models import (
    AssetInfo,
    Country,
    Industry,
    Option,
    Patent,
    Product,
    ProductCategory,
    ProductFile,
    ProductPatent,
    ReasonTemplate,
    RegistryEntry,
    Unit,
    UnitPatent,
    User,
    clock_at,
    db,
    last_fiscal_year,
    today_shanghai,
    utcnow,
)
from seed.demo_patents import generate

DEMO_PRODUCTS = 250
HISTORY_DAYS = 730  # the demo's filings, decisions and revocations spread over the last 24 months
DEMO_UNIT_SALES = 50000  # 万元, for demo_unit's asset info unless the unit entered its own
SEED = 20260101
MARKER = "demo_unit2"  # the first extra unit: when it exists the demo products are there


@dataclass(frozen=True)
class DemoUnit:
    name: str
    brand: str  # the trademark on its products
    region_code: str
    address: str
    industry: str
    legal_rep: str
    contact: str
    size: str
    sales: int  # 单位年度所有产品总销售额, 万元; the other asset figures follow from it
    application: str  # closing sentence of its products' 产品简介
    # (产品名称, 规格型号 variants "|"-separated, GB/T 4754 class, patent subject, feature)
    products: tuple
    special_industry: bool = False  # 生产许可证 required (medical devices)
    compulsory_cert: bool = False  # 强制性认证 (CCC) products


DEMO_UNIT_PRODUCTS = (
    ("边缘计算服务器", "SF-E2000|SF-E3000", "3911", "服务器散热装置",
     "采用国产多核处理器与液冷散热结构，支持现场低时延推理"),
    ("动力电池管理系统", "SF-BMS200|SF-BMS400", "3841", "电池管理系统",
     "实时采集电芯电压与温度并主动均衡，保障电池组安全"),
    ("锂离子电池储能模组", "SF-ESM5|SF-ESM10", "3841", "锂离子电池", "标准化储能模组，支持多簇并联与热失控预警"),
    ("储能变流器", "SF-PCS100|SF-PCS250", "3824", "储能变流器", "双向变流、并离网无缝切换，适配磷酸铁锂储能电池系统"),
    ("智能门锁", "SF-L8|SF-L9", "3969", "智能门锁", "集成3D人脸识别与半导体指纹识别，支持远程临时授权"),
    ("扫地机器人", "SF-R5|SF-R7", "3964", "扫地机器人", "激光雷达建图与视觉避障，自动集尘与拖布清洗"),
    ("手机摄像模组", "SF-CAM48|SF-CAM64", "3976", "摄像模组", "光学防抖与相位对焦，模组高度降低15%"),
    ("电动汽车充电桩", "SF-AC7|SF-DC60", "3829", "电动汽车充电桩", "支持即插即充与有序充电，满足国标2015+协议"),
    ("光伏逆变器", "SF-PV20|SF-PV50", "3825", "光伏逆变器", "多路MPPT跟踪，最高转换效率98.6%"),
    ("工业巡检无人机", "SF-UAV1|SF-UAV2", "3963", "无人机", "支持自动机场起降与红外可见光双光巡检"),
)

UNITS = (
    DemoUnit(
        "北京芯研微电子技术有限公司", "芯研", "110108", "北京市海淀区中关村东路66号", "3973", "刘建国", "赵雪",
        "medium", 120000, "产品已批量应用于数据中心、智能驾驶和工业控制等领域。",
        (
            ("AI推理加速芯片", "XY-N100|XY-N200", "3973", "神经网络处理器", "采用存算一体架构，INT8算力达256TOPS"),
            ("车规级微控制器芯片", "XY-M32A|XY-M32B", "3973", "微控制器", "通过AEC-Q100认证，内置功能安全监控单元"),
            ("高速SerDes接口芯片", "XY-S56|XY-S112", "3973", "高速串行接口电路", "单通道速率112Gbps，支持PAM4调制"),
            ("图像信号处理芯片", "XY-ISP8|XY-ISP9", "3973", "图像信号处理器", "支持4K HDR图像处理与多路摄像头输入"),
            ("边缘智能网关", "XY-GW300|XY-GW500", "3921", "边缘计算网关", "内置自研AI芯片，支持5G与工业以太网接入"),
            ("国产化机架式服务器", "XY-SR2280|XY-SR4480", "3911", "服务器主板",
             "基于国产处理器的双路服务器，支持内存加密"),
            ("工业控制计算机", "XY-IPC100|XY-IPC200", "3914", "工业控制计算机", "宽温无风扇设计，支持EtherCAT实时控制"),
            ("固态硬盘主控芯片", "XY-SSD4|XY-SSD5", "3973", "存储控制器", "支持PCIe 5.0接口与LDPC纠错"),
            ("电源管理芯片", "XY-PM6|XY-PM8", "3973", "电源管理电路", "多路DC-DC集成，转换效率95%以上"),
            ("毫米波雷达芯片", "XY-R77|XY-R79", "3973", "毫米波雷达收发电路", "77GHz四发四收，集成雷达信号处理单元"),
        ),
    ),
    DemoUnit(
        "上海蓝储新能源科技股份有限公司", "蓝储", "310115", "上海市浦东新区张江高科技园区祖冲之路888号", "3841",
        "孙立群", "周敏", "large", 260000, "产品已应用于电网侧储能、工商业储能和通信基站等场景。",
        (
            ("磷酸铁锂储能电池", "LC-280Ah|LC-314Ah", "3841", "磷酸铁锂电池",
             "循环寿命超过8000次，适用于电网侧与工商业储能"),
            ("液冷储能电池柜", "LC-C215|LC-C261", "3841", "储能电池柜", "采用液冷温控与簇级管理，电芯温差不超过3℃"),
            ("集装箱式储能电池系统", "LC-S3.44|LC-S5.0", "3841", "储能电池系统",
             "单舱容量5MWh，集成消防与能量管理系统"),
            ("户用储能锂电池", "LC-H5|LC-H10", "3841", "户用储能电池", "壁挂式安装，支持与光伏逆变器即插即用"),
            ("储能电池管理系统", "LC-BMS3|LC-BMS5", "3841", "电池管理系统", "三级架构，实现电池簇主动均衡与故障诊断"),
            ("光伏储能一体机", "LC-PV6|LC-PV12", "3825", "光伏逆变器", "集成MPPT控制与双向储能变流"),
            ("储能变流器", "LC-PCS500|LC-PCS630", "3824", "储能变流器", "支持构网型控制，并离网切换时间小于10毫秒"),
            ("固态锂电池储能模组", "LC-SS50|LC-SS100", "3841", "固态电解质",
             "采用氧化物固态电解质，显著降低热失控风险"),
            ("通信基站备用锂电池", "LC-T48|LC-T100", "3841", "备用电源", "48V模块化设计，可替代传统铅酸电池"),
            ("便携式储能电源", "LC-P1|LC-P2", "3841", "便携式电源", "内置磷酸铁锂电池，支持快充与多路交直流输出"),
        ),
    ),
    DemoUnit(
        "苏州科瑞德智能装备有限公司", "科瑞德", "320505", "江苏省苏州市虎丘区科灵路78号", "3491", "吴志刚", "钱晓燕",
        "medium", 85000, "产品已服务于汽车零部件、3C电子和新能源装备制造企业。",
        (
            ("六轴工业机器人", "KRD-R6-20|KRD-R6-50", "3491", "工业机器人", "重复定位精度±0.02毫米，负载20至50千克"),
            ("协作机器人", "KRD-C5|KRD-C10", "3491", "协作机器人关节", "内置关节力矩传感器，支持拖动示教与碰撞检测"),
            ("五轴联动立式加工中心", "KRD-V5-650|KRD-V5-850", "3421", "数控机床",
             "配备直驱转台，一次装夹完成复杂曲面加工"),
            ("精密数控车床", "KRD-L200|KRD-L300", "3421", "数控车床主轴", "主轴径向跳动不超过1微米"),
            ("谐波减速器", "KRD-HD17|KRD-HD25", "3453", "谐波减速器", "传动精度小于30弧秒，适用于机器人关节"),
            ("RV减速器", "KRD-RV40|KRD-RV110", "3453", "RV减速器", "高刚性摆线针轮结构，额定寿命6000小时以上"),
            ("精密滚珠丝杠副", "KRD-BS32|KRD-BS40", "3425", "滚珠丝杠", "C3级精度，配预紧消隙结构"),
            ("机器人视觉引导系统", "KRD-VS2|KRD-VS3", "4011", "视觉定位装置",
             "3D结构光相机配合手眼标定算法，定位精度0.1毫米"),
            ("交流伺服电机", "KRD-SM750|KRD-SM1500", "3813", "伺服电机", "23位绝对值编码器，额定转速3000转每分钟"),
            ("激光导航自动导引车", "KRD-AGV500|KRD-AGV1000", "3439", "激光导航", "激光SLAM导航，停车精度±5毫米"),
        ),
    ),
    DemoUnit(
        "杭州视联安防技术有限公司", "视联", "330106", "浙江省杭州市西湖区西溪路525号", "3939", "郑国华", "王丽",
        "large", 150000, "产品已用于平安城市、智慧社区和交通管理项目。",
        (
            ("网络高清摄像机", "SL-IPC4|SL-IPC8", "3939", "摄像机", "800万像素星光级传感器，支持智能越界侦测"),
            ("全景拼接摄像机", "SL-PN16|SL-PN32", "3939", "全景拼接", "四目全景拼接，180度无畸变画面"),
            ("热成像测温摄像机", "SL-TH384|SL-TH640", "3939", "热成像", "非制冷氧化钒探测器，测温精度±0.3℃"),
            ("网络硬盘录像机", "SL-NVR16|SL-NVR64", "3939", "视频存储", "支持H.265编码与智能检索，最大64路接入"),
            ("人脸识别门禁终端", "SL-FA7|SL-FA10", "3595", "人脸识别", "双目活体检测，万人库识别时间小于0.3秒"),
            ("智能安检门", "SL-SG6|SL-SG8", "3595", "安检门", "多区位金属探测与人体测温一体化"),
            ("家用智能摄像头", "SL-C3|SL-C6", "3969", "云台摄像头", "360度云台与双向语音，隐私遮蔽模式"),
            ("无人机巡检系统", "SL-UAV2|SL-UAV3", "3963", "无人机", "自动航线巡检与识别，支持机场自动换电"),
            ("可视对讲室内机", "SL-VI7|SL-VI10", "3922", "可视对讲", "10英寸触摸屏，支持手机远程开门"),
            ("车载行车记录仪", "SL-DR2|SL-DR4", "3962", "行车记录", "前后双路4K录像与ADAS预警"),
        ),
    ),
    DemoUnit(
        "深圳锂源动力电池有限公司", "锂源", "440305", "广东省深圳市南山区西丽街道留仙大道1001号", "3841", "黄志明",
        "陈晓琳", "large", 320000, "产品已配套新能源乘用车、商用车和两轮电动车整车企业。",
        (
            ("磷酸铁锂动力电池", "LY-LFP100|LY-LFP163", "3841", "磷酸铁锂电池",
             "采用刀片式结构，电池包体积利用率提升50%"),
            ("三元锂离子动力电池", "LY-NCM60|LY-NCM120", "3841", "三元正极材料", "高镍三元体系，能量密度达280Wh/kg"),
            ("动力电池模组", "LY-M12S|LY-M24S", "3841", "电池模组", "无模组端板设计，成组效率提升10%"),
            ("动力电池包", "LY-P60|LY-P90", "3841", "电池包壳体", "电芯到电池包一体化设计，底部防护满足IP68"),
            ("两轮电动车锂电池", "LY-E48|LY-E60", "3841", "锂电池组", "可拆卸换电设计，支持电池身份识别"),
            ("大圆柱锂离子电池", "LY-4680|LY-46120", "3841", "圆柱电池", "全极耳结构，内阻降低40%"),
            ("快充锂离子电池", "LY-FC4C|LY-FC6C", "3841", "快充负极", "支持4C至6C超快充，15分钟充至80%"),
            ("动力电池热管理系统", "LY-TMS1|LY-TMS2", "3670", "电池热管理", "直冷直热一体化，低温加热速率提升一倍"),
            ("电池管理系统", "LY-BMS8|LY-BMS16", "3841", "电池管理系统", "高精度荷电状态估算，误差小于3%"),
            ("电动汽车直流充电桩", "LY-DC120|LY-DC240", "3829", "充电桩", "液冷超充终端，最大输出电流600安"),
        ),
    ),
    DemoUnit(
        "成都蜀康医疗器械有限公司", "蜀康", "510107", "四川省成都市武侯区武科东二路8号", "3581", "杨继东", "李娟",
        "medium", 60000, "产品已进入全国三百余家医疗机构。",
        (
            ("多参数监护仪", "SK-M12|SK-M15", "3581", "监护仪", "同步监测心电、血氧、无创血压等12项参数"),
            ("便携式彩色超声诊断仪", "SK-U6|SK-U8", "3581", "超声探头", "单晶探头与智能测量，整机重量不足3千克"),
            ("一次性使用精密输液器", "SK-IV01|SK-IV02", "3584", "输液器", "过滤孔径5微米，避光材料防止药液降解"),
            ("医用电子内窥镜", "SK-E190|SK-E290", "3581", "内窥镜", "高清成像与窄带光谱观察，插入部外径9.2毫米"),
            ("血液透析机", "SK-HD3|SK-HD5", "3581", "透析", "容量平衡精度±0.1%，在线血容量监测"),
            ("上肢康复训练机器人", "SK-RB1|SK-RB2", "3586", "康复训练", "主被动训练模式与游戏化康复评估"),
            ("医用防护口罩", "SK-N95|SK-KN95", "2770", "防护口罩", "非油性颗粒物过滤效率不低于95%"),
            ("全自动生化分析仪", "SK-BA400|SK-BA800", "3581", "生化分析", "恒速检测每小时800测试"),
            ("医用电动护理床", "SK-B3|SK-B5", "3589", "护理床", "五功能电动调节与离床报警"),
            ("自动体外除颤器", "SK-D1|SK-D2", "3581", "除颤", "双相波除颤与语音指导，自检周期每日一次"),
        ),
        special_industry=True,
    ),
    DemoUnit(
        "武汉楚光激光装备有限公司", "楚光", "420111", "湖北省武汉市洪山区光谷大道77号", "3976", "胡振华", "徐静",
        "medium", 90000, "产品已应用于汽车制造、钣金加工和光通信网络建设。",
        (
            ("连续光纤激光器", "CG-F1000|CG-F3000", "3976", "光纤激光器", "电光转换效率超过40%，光束质量M²小于1.1"),
            ("光纤激光切割机", "CG-LC3015|CG-LC6025", "3424", "激光切割", "交换工作台与自动调焦切割头，切割碳钢30毫米"),
            ("手持式激光焊接机", "CG-LW1500|CG-LW3000", "3424", "激光焊接", "摆动焊接头，焊缝美观无需打磨"),
            ("单模光纤", "CG-G652D|CG-G657A", "3832", "光纤", "弯曲不敏感设计，衰减不大于0.35dB/km"),
            ("室外通信光缆", "CG-GYTS24|CG-GYTA48", "3833", "光缆", "层绞式结构，防鼠防潮"),
            ("400G光模块", "CG-400G-DR4|CG-400G-FR4", "3976", "光模块", "硅光集成方案，功耗低于10瓦"),
            ("激光测距仪", "CG-LR100|CG-LR300", "4040", "激光测距", "测量精度±1毫米，最大量程300米"),
            ("紫外激光打标机", "CG-UV3|CG-UV5", "3569", "激光打标", "冷加工标记，适用于玻璃和柔性线路板"),
            ("半导体激光芯片", "CG-LD9|CG-LD15", "3976", "激光芯片", "915纳米单管输出功率15瓦"),
            ("激光清洗机", "CG-CL200|CG-CL500", "3569", "激光清洗", "脉冲激光除锈除漆，不损伤基材"),
        ),
    ),
    DemoUnit(
        "青岛澜海智能家电有限公司", "澜海", "370212", "山东省青岛市崂山区株洲路151号", "3852", "王海涛", "张蕾",
        "large", 420000, "产品销往全国并出口欧洲、东南亚等地区。",
        (
            ("变频空调器", "LH-KFR35|LH-KFR50", "3852", "变频空调", "全直流变频与新风换气，APF能效达5.3"),
            ("风冷无霜冰箱", "LH-BCD450|LH-BCD520", "3851", "冰箱", "双系统循环与零度保鲜，一级能效"),
            ("滚筒洗衣机", "LH-XQG100|LH-XQG120", "3855", "洗衣机", "直驱变频电机与智能投放，洗净比1.10"),
            ("嵌入式洗碗机", "LH-W13|LH-W16", "3854", "洗碗机", "双重喷淋与热风烘干，除菌率99.99%"),
            ("空气净化器", "LH-AP600|LH-AP800", "3853", "空气净化", "洁净空气量800立方米每小时，甲醛去除"),
            ("空气源热泵热水器", "LH-HP200|LH-HP300", "3859", "热泵", "喷气增焓技术，零下25℃稳定制热"),
            ("智能吸油烟机", "LH-CXW200|LH-CXW260", "3854", "油烟机", "变频风机与挥手控制，风量23立方米每分钟"),
            ("扫拖一体机器人", "LH-SR8|LH-SR10", "3964", "扫地机器人", "自动上下水与热水洗拖布"),
            ("温湿度传感器", "LH-TH1|LH-TH2", "3983", "温湿度传感器", "数字输出，湿度精度±2%RH"),
            ("家用新风系统", "LH-FA250|LH-FA350", "3853", "新风换气", "全热交换效率75%，PM2.5过滤99%"),
        ),
        compulsory_cert=True,
    ),
    DemoUnit(
        "合肥钠能储能科技有限公司", "钠能", "340104", "安徽省合肥市蜀山区望江西路800号", "3849", "许文斌", "程雅",
        "small", 70000, "产品已用于低速电动车、户用储能和电网调峰示范项目。",
        (
            ("钠离子电池", "NN-Na160|NN-Na200", "3849", "钠离子电池", "层状氧化物正极与硬碳负极，零下20℃容量保持率90%"),
            ("钠离子储能电池模组", "NN-M51|NN-M102", "3849", "储能模组", "标准化模组设计，支持与锂电池混合成组"),
            ("钠离子启停电池", "NN-SS12|NN-SS24", "3849", "启停电源", "低温冷启动性能优于铅酸电池"),
            ("全钒液流电池", "NN-VRB250|NN-VRB500", "3849", "液流电池", "电堆功率密度提升30%，循环寿命超过15000次"),
            ("固态锂电池", "NN-SSB20|NN-SSB40", "3841", "固态电解质", "聚合物-氧化物复合电解质，通过针刺试验不起火"),
            ("钠离子电池正极材料", "NN-CAT1|NN-CAT2", "3985", "正极材料", "普鲁士白正极材料，比容量150mAh/g"),
            ("电池储能集装箱", "NN-BESS2|NN-BESS4", "3849", "储能集装箱", "钠电与锂电混合储能，智能功率分配"),
            ("低速电动车钠电池", "NN-EV48|NN-EV72", "3849", "动力电池", "快充20分钟，循环寿命3000次"),
            ("钠离子电池管理系统", "NN-BMS1|NN-BMS2", "3849", "电池管理系统", "针对钠电电压平台优化的荷电状态估算"),
            ("镍氢电池", "NN-NiMH6|NN-NiMH9", "3842", "镍氢电池", "高倍率放电，适用于混合动力汽车"),
        ),
    ),
    DemoUnit(
        "长沙湘工重型机械有限公司", "湘工", "430104", "湖南省长沙市岳麓区麓谷大道627号", "3514", "彭志强", "罗芳",
        "large", 380000, "产品已用于国内外高速铁路、城市地铁和水利水电工程。",
        (
            ("履带式液压挖掘机", "XG-E215|XG-E365", "3514", "挖掘机", "负载敏感液压系统，油耗降低15%"),
            ("混凝土泵车", "XG-P56|XG-P62", "3514", "泵车臂架", "碳纤维臂架与智能减振，布料精度±0.2米"),
            ("全地面起重机", "XG-AC220|XG-AC500", "3432", "起重机", "多桥独立悬架，最大起重量500吨"),
            ("土压平衡盾构机", "XG-TBM6|XG-TBM9", "3517", "盾构", "刀盘智能监测与自动导向，适应复合地层"),
            ("旋挖钻机", "XG-R280|XG-R360", "3514", "旋挖钻", "最大钻孔深度100米，动力头扭矩360千牛米"),
            ("纯电动装载机", "XG-L50E|XG-L60E", "3514", "电动装载机", "磷酸铁锂电池驱动，单次充电作业8小时"),
            ("平头塔式起重机", "XG-T7020|XG-T8030", "3432", "塔式起重机", "变频顶升与防碰撞监控"),
            ("智能压路机", "XG-R20|XG-R26", "3514", "压路机", "无人驾驶集群施工，压实度实时检测"),
            ("凿岩台车", "XG-DJ2|XG-DJ3", "3517", "凿岩", "三臂全电脑控制，自动定位钻孔"),
            ("工程液压油缸", "XG-HC160|XG-HC200", "3444", "液压油缸", "缸筒内壁珩磨与活塞杆镀铬，耐压35兆帕"),
        ),
    ),
)

AREA_CODES = {"11": "010", "31": "021", "32": "0512", "33": "0571", "44": "0755", "51": "028", "42": "027",
              "37": "0532", "34": "0551", "43": "0731"}
PS = workflows.ProductStatus
OTHER_STATES = (PS.DRAFT, PS.PENDING, PS.REJECTED, PS.REVOCATION_PENDING, PS.REVOKED)
EXPORT_COUNTRIES = ("US", "DE", "JP", "KR", "GB", "FR", "SG", "AU", "IN", "BR", "VN", "TH", "MY", "ID",
                    "SA", "AE", "RU", "IT", "NL", "MX")
REVOCATION_REASONS = ("该型号产品已停产，申请撤销备案。", "产品已升级换代，原型号不再生产销售。",
                      "关联核心专利已转让给子公司，申请撤销本单位的备案。")
ADMIN_REVOCATION_REASON = "经核查，该产品关联专利权属存在争议，予以撤销备案。"
OWN_METHOD_EXPLANATION = ("按产品销售额中专利技术贡献部分测算：以同类无专利产品的平均售价为基准，"
                          "专利技术带来的溢价与成本节约之和占产品销售额的比例即为专利市场贡献指数。")
PATENTS_PER_UNIT = 30
PATENT_FORMS = ("一种{s}", "一种{s}及其制造方法", "{s}的控制方法", "用于{s}的检测装置", "一种{s}的散热结构",
                "{s}组件", "一种改进的{s}", "{s}的装配工装")


def load_products(password, count=DEMO_PRODUCTS):
    """The demo units and `count` products (about 85% filed, the rest spread over every
    other state). Needs the demo staff and `demo_unit` (seed/demo.py). Returns the number
    of products created: 0 when they exist already."""
    if User.select().where(User.username == MARKER).exists():
        return 0
    rng = random.Random(SEED)
    reviewer = User.get(User.username == "demo_reviewer")
    admin = User.get(User.username == "demo_admin")
    # All or nothing: a failed run leaves no half-made demo; notifications go out after the commit.
    with workflows.after_commit(), db.database.atomic():
        with clock_at(utcnow() - timedelta(days=HISTORY_DAYS + 30)):  # verified before their first filing
            units = [_demo_unit(spec, i, password, reviewer)
                     for i, spec in enumerate(UNITS, start=2)]
        _registry_patents(units, rng)
        pairs = list(zip(units, UNITS))
        demo = _the_demo_unit()
        if demo is not None:
            pairs.insert(0, (demo, None))
        for unit, spec in pairs:
            auto_import(unit.id)  # 自动导入专利, as the unit would press it
            _asset_info(unit, spec.sales if spec else DEMO_UNIT_SALES)
        created = _products(pairs, count, rng, reviewer, admin)
    return created


def placeholder_png(text):
    """A small licence-like image so the demo unit's uploads can be previewed."""
    img = Image.new("RGB", (480, 320), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((10, 10, 470, 310), outline=(179, 18, 31), width=4)
    draw.text((40, 140), text, fill=(29, 39, 51))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _the_demo_unit():
    """`demo_unit`'s unit, if it may file now (approved, no change under review)."""
    unit = Unit.select().join(User).where(User.username == "demo_unit").first()
    if unit is None or unit.status != workflows.UnitStatus.APPROVED:
        return None
    if transitions.guard_no_pending_change(unit, {}) is not None:
        return None
    return unit


# ---------------------------------------------------------------- units


def credit_code(region_code, n):
    """A valid 统一社会信用代码 of a company registered in `region_code`: 9 (工商) 1 (企业),
    the division code, an organisation code with its GB 11714 check character, and the
    GB 32100 check character."""
    rng = random.Random(f"uscc-{n}")
    org = "MA" + "".join(rng.choice(USCC_CHARSET) for _ in range(6))
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2)))
    org += {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    body = f"91{region_code}{org}"
    return body + uscc_check_char(body)


def _demo_unit(spec, n, password, reviewer):
    """An account `demo_unit<n>` and its unit, verified through submit and approve."""

    username = f"demo_unit{n}"
    user = user_datastore.create_user(
        username=username, email=f"{username}@example.cn", phone=f"1380013{8000 + n:04d}",
        password=hash_password(password), roles=["unit"],
    )
    code = credit_code(spec.region_code, n)
    office_phone = f"{AREA_CODES[spec.region_code[:2]]}-8{n:03d}6000"
    RegistryEntry.insert(credit_code=code, name=spec.name, registered_address=spec.address,
                         legal_rep=spec.legal_rep, legal_rep_phone=office_phone
                         ).on_conflict_ignore().execute()
    unit = Unit.create(
        user=user, unit_type="enterprise", credit_code=code, name=spec.name,
        registered_address=spec.address, office_address=spec.address, office_same=True,
        registered_capital=Decimal(spec.sales // 20), industry=spec.industry, legal_rep=spec.legal_rep,
        legal_rep_phone=office_phone, contact=spec.contact, contact_phone=user.phone,
        enterprise_type="limited", enterprise_size=spec.size, region_code=spec.region_code,
        license_file=storage.save_bytes(placeholder_png("BUSINESS LICENCE (DEMO)"), "营业执照.png", "png",
                                        owner=user),
        commitment_file=storage.save_bytes(placeholder_png("COMMITMENT LETTER (DEMO)"), "诚信承诺书.png", "png",
                                           owner=user),
    )
    unit = workflows.apply(unit, "submit", user)
    return workflows.apply(unit, "approve", reviewer)


def _asset_info(unit, sales):
    """资产信息 of the last fiscal year and the ones before, back to the year before the demo's first
    filing (kept where the unit entered it)."""
    year = last_fiscal_year()
    for fiscal_year, scale in ((year, Decimal(1)), (year - 1, Decimal("0.88")), (year - 2, Decimal("0.79")),
                               (year - 3, Decimal("0.72"))):
        s = Decimal(sales) * scale
        figures = {"total_sales": s, "total_cost": s * Decimal("0.78"), "ip_investment": s * Decimal("0.045"),
                   "net_profit": s * Decimal("0.09"), "fixed_assets": s * Decimal("0.55"),
                   "total_output": s * Decimal("1.06"), "sales_expense": s * Decimal("0.05"),
                   "admin_expense": s * Decimal("0.06"), "finance_expense": s * Decimal("0.012"),
                   "patent_assets": s * Decimal("0.03"), "total_assets": s * Decimal("1.7")}
        AssetInfo.insert(unit=unit, fiscal_year=fiscal_year, employees=int(s / 60),
                         **{k: _wan(v) for k, v in figures.items()}).on_conflict_ignore().execute()


# ---------------------------------------------------------------- patents


def _registry_patents(units, rng):
    """PATENTS_PER_UNIT registry patents held by each new unit (some co-owned with a
    university, some lapsed), titled after its products; 自动导入专利 links them."""
    owners = [(unit.name, PATENTS_PER_UNIT, 6, 10) for unit in units]
    rows = generate(PATENTS_PER_UNIT * len(units), seed=SEED, owners=owners)
    subjects = {unit.name: [p[3] for p in spec.products] for unit, spec in zip(units, UNITS)}
    for row in rows:
        subject = rng.choice(subjects[row["patentees"][0]])
        row["name"] = (f"{subject}（外观设计）" if row["kind"] == "design"
                       else rng.choice(PATENT_FORMS).format(s=subject))
    taken = {n for (n,) in Patent.select(Patent.number).where(
        Patent.number.in_([r["number"] for r in rows])).tuples()}
    _upsert([r for r in rows if r["number"] not in taken])


def _patent_choice(unit, subject, rng):
    """1–3 valid patents the unit holds, the first (core) one about `subject` if it has one."""
    held = list(Patent.select().join(UnitPatent).where(
        UnitPatent.unit == unit, Patent.legal_status == "valid").order_by(Patent.id))
    about = [p for p in held if subject in p.name and p.kind != "design"]
    core = rng.choice(about or [p for p in held if p.kind != "design"] or held)
    others = rng.sample([p for p in held if p.id != core.id], k=min(rng.randint(0, 2), len(held) - 1))
    return [core, *others]


# ---------------------------------------------------------------- products


def plan(count, specs):
    """What to create: [(unit index, state, product template, round)] for the units of
    `specs` (a DemoUnit, or None for the demo unit, which comes first). The first unit
    gets one product in each state other than 已备案, so its own list shows every tab;
    `per_state - 1` more of each go round the others; the rest are filed, round robin.
    `round` counts how often the unit has used that template (it picks the model)."""
    per_state = max(1, count // 30)
    states = [(0, state) for state in OTHER_STATES]
    rest = [state for state in OTHER_STATES for _ in range(per_state - 1)]
    others = max(len(specs) - 1, 1)
    states += [((1 + i % others) % len(specs), state) for i, state in enumerate(rest)]
    states += [(i % len(specs), PS.FILED) for i in range(max(count - len(states), 0))]
    used = [0] * len(specs)
    result = []
    for i, state in states:
        templates = specs[i].products if specs[i] else DEMO_UNIT_PRODUCTS
        k = used[i]
        used[i] += 1
        result.append((i, state, templates[k % len(templates)], k // len(templates)))
    return result


def _products(pairs, count, rng, reviewer, admin):
    schedule = plan(count, [spec for _unit, spec in pairs])
    per_unit = {i: sum(1 for entry in schedule if entry[0] == i) for i in range(len(pairs))}
    context = {
        "category": _category_codes(),
        "purposes": [c for c, _n in Option.choices("filing_purpose") if c != "other"],
        "countries": [c for (c,) in Country.select(Country.code).where(
            Country.code.in_(EXPORT_COUNTRIES)).order_by(Country.code).tuples()],
        "reasons": [t.text for t in ReasonTemplate.select().where(
            ReasonTemplate.scope == "product_filing").order_by(ReasonTemplate.sort)],
    }
    assets = {unit.id: AssetInfo.get(AssetInfo.unit == unit, AssetInfo.fiscal_year == last_fiscal_year())
              for unit, _spec in pairs}
    timeline = Timeline(utcnow())
    for n, (i, state, template, round_) in enumerate(schedule):
        unit, spec = pairs[i]
        times = timeline.of(state)
        with clock_at(times[0] - timedelta(days=1)):  # the draft, a day before it is submitted
            product = _draft(unit, spec, template, round_, assets[unit.id], per_unit[i], rng, context)
            if state != PS.DRAFT or n % 2 == 0:  # half the drafts stop after 产品信息
                _attach(product, unit, template, n, rng)
        _advance(product, state, unit, reviewer, admin, rng, context, times)
    return len(schedule)


class Timeline:
    """When each demo product moves: submitted at some time in the last HISTORY_DAYS (more of
    them lately, as a pilot grows), decided 2 hours to 25 days later, a revocation asked for
    and decided later still — never after `now`. 待审核 ones were submitted in the last two
    weeks. Its own seeded random, so the products' other values stay what they were."""

    def __init__(self, now):
        self.now = now
        self.rng = random.Random(SEED + 1)

    def _after(self, moment, low, high):
        return min(moment + timedelta(days=self.rng.uniform(low, high)), self.now - timedelta(minutes=5))

    def of(self, state):
        """(submitted, decided, revocation asked, revocation decided) of a product to be in `state`."""
        if state in (PS.PENDING, PS.DRAFT):
            submitted = self.now - timedelta(days=self.rng.uniform(0.2, 14))
        else:
            submitted = self.now - timedelta(days=HISTORY_DAYS * (1 - self.rng.random() ** 0.5) + 1)
        decided = self._after(submitted, 0.08, 25)
        asked = self._after(decided, 10, 90)
        return submitted, decided, asked, self._after(asked, 1, 12)


def model_of(template, round_):
    """The 规格型号 of a template's `round_`-th use: its variants, then -A, -B… series."""
    variants = template[1].split("|")
    model = variants[round_ % len(variants)]
    if round_ >= len(variants):
        model += f"-{chr(ord('A') + round_ // len(variants) - 1)}"
    return model


def _draft(unit, spec, template, round_, asset, share, rng, context):
    name, _models, industry, _subject, feature = template
    model = model_of(template, round_)
    sales = _wan((asset.total_sales or 0) * Decimal(rng.uniform(0.3, 0.9)) / (share + 1))
    cost = _wan(sales * Decimal(rng.uniform(0.55, 0.82)))
    ceiling = (asset.ip_investment or 0) * Decimal("0.9") / (share + 1)
    ip = _wan(min(cost * Decimal(rng.uniform(0.02, 0.06)), ceiling))
    exports = rng.random() < 0.45 and context["countries"]
    method = rng.choice(("method1", "method1", "method2", "method3", "own"))
    values = {
        "gtin": _gtin(rng) if rng.random() < 0.6 else "", "name": name, "model": model,
        **_category(context["category"], name, industry), "industry": industry,
        "trademark": spec.brand if spec else "示范",
        "intro": f"{name}（{model}）{feature}。{spec.application if spec else '产品已在多个行业批量应用。'}",
        "purpose": rng.choice(context["purposes"]),
        "export_countries": sorted(rng.sample(context["countries"], rng.randint(1, 4))) if exports else [],
        "first_year": rng.randint(2012, last_fiscal_year()),
        "last_year_cost": cost, "ip_investment": ip, "last_year_sales": sales,
        "last_year_export": _wan(sales * Decimal(rng.uniform(0.05, 0.4))) if exports else Decimal(0),
        "last_year_net_profit": _wan(sales * Decimal(rng.uniform(0.03, 0.18))),
        "last_year_output": _wan(sales * Decimal(rng.uniform(1.0, 1.12))),
        "market_share": _wan(Decimal(rng.uniform(0.5, 28))),
        "gross_margin": _wan((sales - cost) / sales * 100) if sales else None,
        "contribution_method": method,
        "special_industry": bool(spec and spec.special_industry),
        "compulsory_cert": bool(spec and spec.compulsory_cert),
    }
    if method == "method1":
        values["method_k"] = Decimal(rng.randint(30, 150)) / 10
        values["contribution_index"] = method1_index(ip, cost, values["method_k"]) if cost else Decimal(0)
    else:
        values["contribution_index"] = _wan(Decimal(rng.uniform(12, 78)))
        if method == "own":
            values["method_explanation"] = OWN_METHOD_EXPLANATION
    return Product.create(unit=unit, **values)


def _attach(product, unit, template, n, rng):
    """专利信息 and 证明材料: linked patents (one core) and the files the rules ask for."""
    for j, patent in enumerate(_patent_choice(unit, template[3], rng)):
        litigated = j > 0 and rng.random() < 0.08
        ProductPatent.create(product=product, patent=patent, core=j == 0, public=rng.random() < 0.7,
                             litigated=litigated,
                             case_number=f"（{today_shanghai().year - 1}）京73民初{rng.randint(100, 999)}号"
                             if litigated else "")
    owner = unit.user
    files = [("main_image", *_picture(product.name, n, "jpg" if n % 3 == 0 else "png"))]
    if rng.random() < 0.3:
        files.append(("other_image", *_picture(product.name, n + 7, "png")))
    files.append(("economic_proof", demo_pdf(f"Economic benefit proof {product.model} FY{last_fiscal_year()}"),
                  "经济效益证明.pdf", "pdf"))
    if product.special_industry:
        files.append(("production_licence", demo_pdf(f"Production licence {product.model}"), "生产许可证.pdf", "pdf"))
    if product.compulsory_cert:
        files.append(("certification", demo_pdf(f"CCC certificate {product.model}"), "强制性产品认证证书.pdf", "pdf"))
    for sort, (kind, data, filename, ext) in enumerate(files):
        ProductFile.create(product=product, kind=kind, sort=sort,
                           file=storage.save_bytes(data, filename, ext, owner=owner))


def _advance(product, state, unit, reviewer, admin, rng, context, times):
    """Move a draft to `state` through the workflow, as its unit and the reviewer would, each
    step on its day of `times` (Timeline.of)."""
    if state == PS.DRAFT:
        return
    submitted, decided, asked, revoked = times

    def step(event, actor, at, reason=None):
        nonlocal product
        try:
            with clock_at(at):
                product = workflows.apply(product, event, actor, reason=reason)
        except workflows.GuardFailed as exc:
            raise RuntimeError(f"demo product {product.name} {product.model}: "
                               + "；".join(str(e) for e in exc.errors)) from exc

    step("submit", unit.user, submitted)
    if state == PS.PENDING:
        return
    if state == PS.REJECTED:
        step("reject", reviewer, decided, reason=rng.choice(context["reasons"] or ["经济数据与证明材料不一致。"]))
        return
    step("approve", reviewer, decided)
    if state == PS.REVOCATION_PENDING:
        step("request_revocation", unit.user, asked, reason=rng.choice(REVOCATION_REASONS))
    elif state == PS.REVOKED:
        if rng.random() < 0.5:
            step("request_revocation", unit.user, asked, reason=rng.choice(REVOCATION_REASONS))
            step("approve_revocation", reviewer, revoked)
        else:
            step("admin_revoke", admin, asked, reason=ADMIN_REVOCATION_REASON)


# ---------------------------------------------------------------- values and files


def _wan(value):
    return Decimal(value).quantize(Decimal("0.01"))


def _gtin(rng):
    """A valid GTIN-13 with a Chinese (690–699) prefix."""
    body = f"69{rng.randint(0, 9)}{rng.randint(0, 10**9 - 1):09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _category_codes():
    """The 统计用产品分类目录 rows loaded, deepest level first, and the GB/T 4754 大类 names."""
    rows = list(ProductCategory.select(ProductCategory.code, ProductCategory.name)
                .order_by(ProductCategory.level.desc(), ProductCategory.code).tuples())
    divisions = dict(Industry.select(Industry.code, Industry.name).where(Industry.level == 2).tuples())
    return rows, divisions


def _category(catalogue, product_name, industry):
    """产品分类 of a demo product: a catalogue row whose name ends as the product's name does
    (电池, 机器人…) when the loaded catalogue has one; else 其他 with the product type typed as
    a unit would (the shipped catalogue holds 大类 01–22 only: most demo products, made in 大类
    34–40, are not in it). Never a wrong category."""
    rows, divisions = catalogue
    for size in (4, 3):
        tail = product_name[-size:]
        for code, name in rows:
            if name.endswith(tail):
                return {"category": code, "category_other": ""}
    division = divisions.get(industry[:2], "").removesuffix("制造业").removesuffix("业")
    return {"category": None, "category_other": f"{division}：{product_name}"[:100] if division else product_name}


def _picture(name, n, ext):
    """A small product picture: a distinct colour per product and a simple drawing (fonts
    for Chinese may be missing, so no text)."""
    r, g, b = (int(c * 255) for c in colorsys.hsv_to_rgb((n * 0.618034) % 1, 0.55, 0.85))
    img = Image.new("RGB", (360, 270), (246, 247, 249))
    draw = ImageDraw.Draw(img)
    dark = (int(r * 0.6), int(g * 0.6), int(b * 0.6))
    if "电池" in name:  # a cell with its terminal and charge bars
        draw.rounded_rectangle((70, 75, 270, 195), radius=14, fill=(r, g, b), outline=dark, width=4)
        draw.rectangle((270, 115, 290, 155), fill=dark)
        for k in range(1 + n % 4):
            draw.rectangle((88 + k * 44, 93, 120 + k * 44, 177), fill=(255, 255, 255))
    elif n % 3 == 0:  # a device with a screen
        draw.rounded_rectangle((60, 50, 300, 220), radius=18, fill=(r, g, b), outline=dark, width=4)
        draw.rectangle((90, 75, 270, 165), fill=(40, 48, 60))
        draw.ellipse((165, 180, 195, 210), fill=dark)
    elif n % 3 == 1:  # a machine: body, arm, wheel
        draw.rectangle((60, 140, 300, 210), fill=(r, g, b), outline=dark, width=4)
        draw.line((120, 140, 190, 70, 260, 95), fill=dark, width=12)
        draw.ellipse((80, 195, 130, 245), fill=(60, 60, 60))
        draw.ellipse((230, 195, 280, 245), fill=(60, 60, 60))
    else:  # a chip or module
        draw.rectangle((110, 65, 250, 205), fill=(r, g, b), outline=dark, width=4)
        for k in range(6):
            y = 80 + k * 22
            draw.line((90, y, 110, y), fill=dark, width=5)
            draw.line((250, y, 270, y), fill=dark, width=5)
        draw.rectangle((150, 105, 210, 165), fill=dark)
    buf = io.BytesIO()
    if ext == "jpg":
        img.save(buf, "JPEG", quality=85)
    else:
        img.save(buf, "PNG", optimize=True)
    return buf.getvalue(), f"{name}.{ext}", ext


def demo_pdf(text):
    """A one-page PDF saying `text` (ASCII): a valid file with its cross-reference table."""
    text = text.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    return pdf_of_page(b"BT /F1 16 Tf 72 760 Td (" + text + b") Tj 0 -24 Td (ZLCP demo document) Tj ET")


def pdf_of_page(content):
    """A valid one-page PDF whose page draws `content` (PDF text operators, uncompressed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)

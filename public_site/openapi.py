"""The open-data API described in OpenAPI 3.1, written by hand (served at /api/v1/openapi.json)."""

from flask import current_app, jsonify

from domain import patents, search
from public_site.api import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_LIMIT, bp
from public_site.product_pages import site_url
from workflows import PublicStatus


def _param(name, description, schema, location="query", required=False):
    return {"name": name, "in": location, "required": required, "description": description, "schema": schema}


def _error(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


CODE_NAME = {"type": ["object", "null"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
             "required": ["code", "name"]}
STATUS = {"type": "string", "enum": [str(s) for s in PublicStatus],
          "description": "filed 已备案, notice 公示中, recognised 已认定; the last three (已撤销, 已撤销认定, "
                         "已过期) only on the detail of a product that is no longer public"}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}


def document(server_url):
    """The document; each parameter's schema states exactly what the server accepts (the
    patterns are domain.search's), so a request the document allows is never refused."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "国家专利密集型产品备案认定试点平台 开放数据接口",
            "version": "1.0.0",
            "description": (
                "已备案、公示中和已认定的专利密集型产品的公开信息。只读；按 IP 限流（超出返回 429）；"
                "允许跨域 GET。错误以 JSON 返回：{\"error\": \"…\"}。参数值按原样校验："
                "空值或前后带空格的值与其他无效值一样返回 400（仅 q 为空表示不限）。"
            ),
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/products": {
                "get": {
                    "operationId": "listProducts",
                    "summary": "公开产品列表",
                    "description": "按 id 顺序分页；把上一页的 next_cursor 作为 cursor 取下一页，"
                                   "next_cursor 为 null 表示已到末页。",
                    "parameters": [
                        _param("status", "状态：filed（已备案）、notice（公示中）、recognised（已认定），"
                                         "也可用中文名称",
                               {"type": "string", "enum": [*search.PUBLIC_STATUS_LABELS, *search.status_words()]}),
                        _param("industry", "产品所属行业（GB/T 4754-2017）：门类字母或 2–4 位代码前缀；"
                                           "没有该行业的产品时返回空列表",
                               {"type": "string", "pattern": "^([A-Ta-t]|[0-9]{2,4})$"}),
                        _param("category", "产品分类代码前缀（统计用产品分类目录）；没有该分类的产品时返回空列表；"
                                           f"{search.OTHER_CATEGORY}：目录中没有、填写为“其他”的产品",
                               {"type": "string",
                                "pattern": f"^({search.CATEGORY_PATTERN}|{search.OTHER_CATEGORY})$"}),
                        _param("province", "备案单位所在省级行政区划代码（31 个省、自治区、直辖市），"
                                           "两位（44）或六位（440000）",
                               {"type": "string", "pattern": f"^{search.PROVINCE_PATTERN}$"}),
                        _param("year", "备案年份（北京时间）", {"type": "integer", "minimum": search.FIRST_YEAR,
                                                          "maximum": search.last_year()}),
                        _param("q", "关键词：产品名称、规格型号、单位名称、产品简介、商标；为空表示不限",
                               {"type": "string", "maxLength": search.MAX_QUERY}),
                        _param("cursor", "上一页返回的 next_cursor（原样传回）",
                               {"type": "string", "pattern": f"^{CURSOR_PATTERN}$"}),
                        _param("limit", f"每页条数，默认 {DEFAULT_LIMIT}，最多 {MAX_LIMIT}",
                               {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
                        _param("lang", "状态等标签的语言：zh_Hans_CN（默认）或 en",
                               {"type": "string", "enum": list(current_app.config["LANGUAGES"])}),
                    ],
                    "responses": {
                        "200": {"description": "一页产品", "content": {"application/json": {"schema": {
                            "type": "object", "required": ["items", "next_cursor"],
                            "properties": {
                                "items": {"type": "array", "items": {"$ref": "#/components/schemas/ProductSummary"}},
                                "next_cursor": NULLABLE_TEXT,
                            }}}}},
                        "400": _error("参数错误"),
                        "429": _error("请求过于频繁"),
                    },
                }
            },
            "/products/{token}": {
                "get": {
                    "operationId": "getProduct",
                    "summary": "公开产品详情",
                    "description": "已撤销、已撤销认定、已过期的产品仍返回 200，"
                                   "但只含状态、产品名称和单位名称（public 为 false）。",
                    "parameters": [_param("token", "产品的公开标识（二维码和链接中的那一段）", {"type": "string"},
                                          location="path", required=True)],
                    "responses": {
                        "200": {"description": "产品", "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Product"}}}},
                        "404": _error("产品不存在或从未公开"),
                        "429": _error("请求过于频繁"),
                    },
                }
            },
            "/openapi.json": {
                "get": {"operationId": "openapi", "summary": "本文档",
                        "responses": {"200": {"description": "OpenAPI 3.1 文档"}}}
            },
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            "ProductSummary": {
                "type": "object",
                "required": ["token", "name", "unit_name", "status", "status_label", "url", "page_url"],
                "properties": {
                    "token": {"type": "string"}, "name": {"type": "string"}, "model": NULLABLE_TEXT,
                    "trademark": NULLABLE_TEXT, "unit_name": {"type": "string"}, "status": STATUS,
                    "status_label": {"type": "string"}, "filing_number": NULLABLE_TEXT,
                    "filed_on": NULLABLE_DATE, "category": CODE_NAME, "industry": CODE_NAME,
                    "url": {"type": "string", "format": "uri"}, "page_url": {"type": "string", "format": "uri"},
                },
            },
            "Patent": {
                "type": "object",
                "properties": {
                    "number": {"type": "string"}, "name": {"type": "string"},
                    "type": {"type": "string", "enum": ["invention", "utility", "design"]},
                    "type_label": {"type": "string"},
                    "legal_status": {"type": "string", "enum": list(patents.STATUS_LABELS)},
                    "legal_status_label": {"type": "string"},
                },
            },
            "Product": {
                "type": "object",
                "required": ["token", "name", "unit_name", "status", "status_label", "public"],
                "properties": {
                    "token": {"type": "string"}, "name": {"type": "string", "description": "产品名称"},
                    "unit_name": {"type": "string", "description": "备案单位"}, "status": STATUS,
                    "status_label": {"type": "string"}, "public": {"type": "boolean"},
                    "model": {"type": "string", "description": "规格型号"},
                    "trademark": {"type": "string", "description": "商标"},
                    "category": {**CODE_NAME, "description": "产品分类"},
                    "industry": {**CODE_NAME, "description": "产品所属行业"},
                    "intro": {"type": "string", "description": "产品简介"},
                    "export_countries": {"type": "array", "items": {"type": "string"}, "description": "出口地"},
                    "first_year": {"type": ["integer", "null"], "description": "本产品首次生产年份"},
                    "purpose": {"type": "string", "description": "备案目的"},
                    "filing_number": {"type": ["string", "null"], "description": "备案号"},
                    "filed_on": {**NULLABLE_DATE, "description": "备案日期"},
                    "notice_start": {**NULLABLE_DATE, "description": "公示开始日期"},
                    "notice_end": {**NULLABLE_DATE, "description": "公示结束日期"},
                    "recognised_on": {**NULLABLE_DATE, "description": "认定日期"},
                    "certificate_number": {"type": ["string", "null"], "description": "证书编号"},
                    "valid_until": {**NULLABLE_DATE, "description": "有效期至"},
                    "revoked_on": {**NULLABLE_DATE, "description": "撤销日期（已撤销、已撤销认定）"},
                    "patents": {"type": "array", "items": {"$ref": "#/components/schemas/Patent"},
                                "description": "公开的专利（已认定产品为全部关联专利）"},
                    "has_image": {"type": "boolean"},
                    "links": {"type": "object", "properties": {
                        k: {"type": ["string", "null"], "format": "uri"}
                        for k in ("page", "phone", "qr_png", "qr_svg", "image")}},
                },
            },
        }},
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document(site_url("api.products").removesuffix("/products")))

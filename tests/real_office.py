"""The "real office" test set (issue 10): a roster workbook and .lrmx files written the way real
offices and other software write them, generated people only (never real ones).

``python -m tests.real_office`` writes them to tests/data/real/ (committed, so that they can be
looked at and opened in other tools); tests read the committed files.

What they carry, as found in real files:
- workbook: 工号 blank for new people, 出生日期 ``1988.11`` (month only) with a matching ID,
  学历 ``本科`` / ``硕士研究生``, 学位 with its discipline (经济学学士, 管理学硕士, 工商管理硕士),
  入党时间 ``2010年7月``, 参加工作时间 ``201007``;
- .lrmx: 填表时间 and 计算年龄时间 ``YYYYMMDD``, dates ``YYYY.MM`` and ``YYYY.MM.DD``, 学位 with
  discipline, month-only birth dates with a matching ID, one file declared GB2312 and encoded
  so, CRLF line ends, 简历 lines with ``—`` and ``至今``, empty boxes left out;
- a ZIP made the way Chinese Windows makes it: GBK file names without the UTF-8 flag.
"""

from __future__ import annotations

import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl

from cadre_app.services.core import idcard

HERE = Path(__file__).resolve().parent / "data" / "real"
WORKBOOK = "干部名册（处室报送）.xlsx"
ZIP_NAME = "任免审批表（人事科）.zip"

# (name, sex, birth as the ID has it, region, sequence)
PEOPLE = {
    "张建国": ("男", date(1978, 5, 23), "130602", 13),
    "李秀英": ("女", date(1985, 11, 7), "370102", 24),
    "王伟": ("男", date(1990, 3, 17), "120101", 35),
    "陈静": ("女", date(1993, 8, 2), "420106", 46),
    "刘洋": ("男", date(1988, 11, 23), "320102", 57),
}


def id_number(name: str) -> str:
    sex, born, region, sequence = PEOPLE[name]
    return idcard.make(region, born, sequence)


# --- the roster workbook ------------------------------------------------------------------------

HEADER = (
    "工号",
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "籍贯",
    "出生地",
    "政治面貌",
    "入党时间",
    "参加工作时间",
    "身份证号",
    "学历",
    "学位",
    "毕业院校系及专业",
    "部门",
    "现任职务",
    "职级",
    "任现职级时间",
    "手机号",
)


def workbook_rows() -> list[dict[str, str | None]]:
    return [
        {
            "工号": None,  # new: the scheme gives one
            "姓名": "张建国",
            "性别": "男",
            "民族": "汉族",
            "出生日期": "1978.05",
            "籍贯": "河北保定",
            "出生地": "河北保定",
            "政治面貌": "中共党员",
            "入党时间": "2000年6月",
            "参加工作时间": "200007",
            "身份证号": id_number("张建国"),
            "学历": "本科",
            "学位": "经济学学士",
            "毕业院校系及专业": "河北大学经济学院财政学专业",
            "部门": "预算处",
            "现任职务": "预算处处长",
            "职级": "四级调研员",
            "任现职级时间": "2019.12",
            "手机号": "13903120001",
        },
        {
            "工号": None,
            "姓名": "刘洋",
            "性别": "男",
            "民族": "汉族",
            "出生日期": "1988.11",
            "籍贯": "江苏南京",
            "出生地": "江苏南京",
            "政治面貌": "中共党员",
            "入党时间": "2010年7月",
            "参加工作时间": "2011.07",
            "身份证号": id_number("刘洋"),
            "学历": "硕士研究生",
            "学位": "管理学硕士",
            "毕业院校系及专业": "南京大学商学院会计学专业",
            "部门": "国库处",
            "现任职务": "国库处科员",
            "职级": "二级主任科员",
            "任现职级时间": "2021.03",
            "手机号": "13905250002",
        },
        {
            "工号": "R0103",  # an office's own number, kept
            "姓名": "周敏",
            "性别": "女",
            "民族": "回族",
            "出生日期": "1991.04.09",
            "籍贯": "天津",
            "出生地": "天津",
            "政治面貌": "群众",
            "入党时间": None,
            "参加工作时间": "2014.08",
            "身份证号": idcard.make("120104", date(1991, 4, 9), 68),
            "学历": "研究生",
            "学位": "工商管理硕士",
            "毕业院校系及专业": "南开大学商学院工商管理专业",
            "部门": "国库处",
            "现任职务": "国库处科员",
            "职级": "一级科员",
            "任现职级时间": "2018年08月",
            "手机号": "13902200003",
        },
    ]


def build_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "干部名册"
    sheet.append(["某市财政局干部名册（2026年11月）"])  # a title row above the header
    sheet.append(list(HEADER))
    for row in workbook_rows():
        sheet.append([row.get(label) for label in HEADER])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- .lrmx files as other software writes them ---------------------------------------------------


def _lrmx(
    elements: dict[str, str], *, family: list[dict[str, str]] = (), gb: bool = False
) -> bytes:
    body = []
    for tag, value in elements.items():
        body.append(f"  <{tag}>{escape(value)}</{tag}>")
    if family:
        items = "".join(
            "<Item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</Item>"
            for item in family
        )
        body.append(f"  <JiaTingChengYuan>{items}</JiaTingChengYuan>")
    encoding = "GB2312" if gb else "UTF-8"
    text = f'<?xml version="1.0" encoding="{encoding}"?>\r\n<Person>\r\n'
    text += "\r\n".join(body) + "\r\n</Person>\r\n"
    return text.encode("gb18030" if gb else "utf-8")


def lrmx_files() -> dict[str, bytes]:
    return {
        # the same person as the workbook's first row: the import updates her record
        "张建国.lrmx": _lrmx(
            {
                "XingMing": "张建国",
                "XingBie": "男",
                "ChuShengNianYue": "1978.05",
                "MinZu": "汉族",
                "JiGuan": "河北保定",
                "ChuShengDi": "河北保定",
                "RuDangShiJian": "2000.06",
                "CanJiaGongZuoShiJian": "2000.07",
                "JianKangZhuangKuang": "健康",
                "QuanRiZhiJiaoYu_XueLi": "大学本科",
                "QuanRiZhiJiaoYu_XueWei": "经济学学士",
                "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "河北大学经济学院财政学专业",
                "ZaiZhiJiaoYu_XueLi": "在职研究生",
                "ZaiZhiJiaoYu_XueWei": "公共管理硕士（MPA）",
                "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "中国人民大学公共管理学院",
                "XianRenZhiWu": "预算处处长",
                "JianLi": "1996.09—2000.07  河北大学经济学院财政学专业学习\n"
                "2000.07—2012.03  某市财政局预算处科员、副主任科员、主任科员\n"
                "2012.03—2019.12  某市财政局预算处副处长\n"
                "2019.12—至今  某市财政局预算处处长",
                "JiSuanNianLingShiJian": "20231024",
                "TianBiaoShiJian": "20231024",
                "TianBiaoRen": "人事科",
                "ShenFenZheng": id_number("张建国"),
            },
            family=[
                {
                    "ChengWei": "妻子",
                    "XingMing": "赵丽",
                    "ChuShengRiQi": "1980.02",
                    "ZhengZhiMianMao": "中共党员",
                    "GongZuoDanWeiJiZhiWu": "某市第一中学教师",
                }
            ],
        ),
        # declared and encoded GB2312, as older desktop tools write it
        "李秀英.lrmx": _lrmx(
            {
                "XingMing": "李秀英",
                "XingBie": "女",
                "ChuShengNianYue": "198511",
                "MinZu": "汉族",
                "JiGuan": "山东济南",
                "RuDangShiJian": "200705",
                "CanJiaGongZuoShiJian": "201107",
                "QuanRiZhiJiaoYu_XueLi": "硕士研究生",
                "QuanRiZhiJiaoYu_XueWei": "工商管理硕士",
                "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "山东大学管理学院工商管理专业",
                "XianRenZhiWu": "办公室副主任",
                "JianLi": "2008.09--2011.07 山东大学管理学院工商管理专业学习\n"
                "2011.07--      某市财政局办公室科员、副主任",
                "JiSuanNianLingShiJian": "20231024",
                "TianBiaoShiJian": "2023.10.24",
                "ShenFenZheng": id_number("李秀英"),
            },
            gb=True,
        ),
        "王伟.lrmx": _lrmx(
            {
                "XingMing": "王伟",
                "XingBie": "男",
                "ChuShengNianYue": "1990.03",
                "MinZu": "汉族",
                "JiGuan": "天津",
                "RuDangShiJian": "2012.06.01",
                "CanJiaGongZuoShiJian": "2015.07",
                "QuanRiZhiJiaoYu_XueLi": "博士研究生",
                "QuanRiZhiJiaoYu_XueWei": "法学博士",
                "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "南开大学法学院经济法学专业",
                "XianRenZhiWu": "政策法规处科员",
                "JianLi": "2015.07--至今 某市财政局政策法规处科员",
                "JiSuanNianLingShiJian": "20231024",
                "TianBiaoShiJian": "20231024",
                "ShenFenZheng": id_number("王伟"),
            }
        ),
        "陈静.lrmx": _lrmx(
            {
                "XingMing": "陈静",
                "XingBie": "女",
                "ChuShengNianYue": "1993年8月",
                "MinZu": "汉族",
                "JiGuan": "湖北武汉",
                "CanJiaGongZuoShiJian": "2018年7月",
                "QuanRiZhiJiaoYu_XueLi": "研究生",
                "QuanRiZhiJiaoYu_XueWei": "金融硕士",
                "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "武汉大学经济与管理学院金融学专业",
                "XianRenZhiWu": "国库处科员",
                "JiSuanNianLingShiJian": "202310",
                "TianBiaoShiJian": "20231024",
                "ShenFenZheng": id_number("陈静"),
            }
        ),
    }


def gbk_zip(files: dict[str, bytes]) -> bytes:
    """A ZIP as Chinese Windows' “发送到压缩文件夹” makes it: GBK names, no UTF-8 flag.
    zipfile always writes non-ASCII names as UTF-8, so each name is written as an ASCII
    placeholder of the same byte length and then replaced by its GBK bytes."""
    out = BytesIO()
    names = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(files.items()):
            raw = name.encode("gbk")
            placeholder = f"{index}".ljust(len(raw), "_").encode("ascii")
            names[placeholder] = raw
            info = zipfile.ZipInfo(placeholder.decode("ascii"), date_time=(2023, 10, 24, 9, 30, 0))
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    data = out.getvalue()
    for placeholder, raw in names.items():
        assert data.count(placeholder) == 2  # local header and central directory
        data = data.replace(placeholder, raw)
    return data


def write_all(target: Path = HERE) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / WORKBOOK).write_bytes(build_workbook())
    files = lrmx_files()
    for name in ("张建国.lrmx", "李秀英.lrmx"):
        (target / name).write_bytes(files[name])
    (target / ZIP_NAME).write_bytes(gbk_zip({n: files[n] for n in ("王伟.lrmx", "陈静.lrmx")}))


if __name__ == "__main__":
    write_all()

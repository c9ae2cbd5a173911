"""Person-name lists for redaction: first names and surnames, and which of them are everyday words.

The shipped list ``data/person_names.tsv.gz`` has one lower-case word a line:
``word <TAB> first-name rank <TAB> surname rank <TAB> 1 if an everyday English word``
(rank 0: not that kind of name; a smaller rank is a more frequent name). It is built by
:func:`build_name_lists` from material the project may ship:

- the US Census Bureau 1990 name-frequency files (public domain: 5,494 first names and the
  88,799 surnames, of which the most frequent ``max_surname_rank`` are kept), as bundled in the
  ``names`` package (MIT);
- the first names and surnames of Faker's person providers for the Latin-script locales
  (MIT), so that French, German, Spanish, Italian, Dutch, Indian, Nigerian, Polish, … names
  are known too;
- the "everyday word" flag: the word is in SCOWL's American English word list (Debian package
  ``wamerican``, permissive licence) in lower case ("will", "mark", "rose", "john"), or is one
  of the function words below. An everyday word counts as a name only with more evidence
  (a cue, a surname after it, a capital letter mid-sentence).

Nothing is downloaded at run time; building needs the three sources installed.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NAMES_FILE = Path(__file__).with_name("data") / "person_names.tsv.gz"
WORDS_FILE = Path(__file__).with_name("data") / "english_words.txt.gz"

# Locales whose person providers are written in Latin script.
FAKER_LOCALES = (
    "en_US", "en_GB", "en_IE", "en_AU", "en_NZ", "en_IN", "en_NG", "en_KE", "en_PK", "en_CA", "fr_FR", "fr_CA",
    "de_DE", "de_AT", "de_CH", "es_ES", "es_MX", "es_AR", "es_CO", "it_IT", "nl_NL", "nl_BE", "pt_PT", "pt_BR",
    "pl_PL", "cs_CZ", "sk_SK", "ro_RO", "hu_HU", "hr_HR", "sl_SI", "sv_SE", "no_NO", "da_DK", "fi_FI", "tr_TR",
    "id_ID", "vi_VN", "yo_NG", "ig_NG", "ha_NG", "zu_ZA", "sw", "tw_GH", "ga_IE", "et_EE", "lt_LT", "lv_LV",
    "hi_IN", "ta_IN",
)

# Short words that are names in some list but mostly words in customer speech.
FUNCTION_WORDS = frozenset("""a an and are as at be but by can did do does don for from had has have he her hers him
his i if in into is it its me my no nor not of on or our ours she so than that the their them then there these they
this those to too up us was we were what when where which who whom why will with would yes you your yours
am pm ok okay oh hi hey hello bye thanks thank please sorry sure yeah yep nope well just still also very really
many much more most some any all each every both either neither own same such only long soon see else here man son
sir miss mr mrs ms dr mum mom dad day days week weeks month year years today time times new old good great best
love hope joy chance star king queen lady ai min hang nam era dia chi pa van
may might must can could shall should would i'm im i'll i'd i've ive it's its id
goin gonna wanna gotta dunno kinda ya yall u ur
iban sort pin dob ssn nino bsn nie dni pan tin otp cvv cvc sin aba bsb atm app sms lol thx pls plz ty np""".split())

# Words in the name lists that in customer text are mostly places, brands, months, languages or
# chat shorthand: a name only after a cue ("my name is Austin", "Mr Paris").
NOT_PERSON = frozenset("""
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
monday tuesday wednesday thursday friday saturday sunday christmas easter halloween
america american africa african asia europe european england english britain british scotland scottish wales welsh
ireland irish france french germany german spain spanish italy italian portugal portuguese netherlands dutch holland
belgium austria switzerland swiss denmark sweden norway finland poland polish greece greek turkey russia china
chinese japan japanese korea india indian pakistan canada canadian mexico brazil argentina chile colombia peru
australia australian zealand kenya nigeria ghana egypt israel dubai thailand thai vietnam philippines indonesia
burma cuba jamaica
alabama alaska arizona arkansas california cali colorado connecticut delaware florida georgia hawaii idaho illinois
indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri montana
nebraska nevada jersey mexico york carolina dakota ohio oklahoma oregon pennsylvania rhode tennessee texas utah
vermont virginia washington wisconsin wyoming
london paris berlin madrid rome milan dublin amsterdam brussels vienna lisbon barcelona sydney melbourne brisbane perth
adelaide darwin toronto vancouver montreal boston dallas houston austin denver phoenix orlando miami atlanta chicago
seattle portland vegas las angeles francisco diego jose antonio boise reno salem tampa columbus charlotte nashville
memphis detroit cleveland baltimore brooklyn manhattan queens bronx madison jackson lincoln raleigh richmond trenton
modesto olympia orleans lauderdale huntington hollywood redmond leeds manchester liverpool bristol glasgow edinburgh
cardiff belfast birmingham york chester kent devon cornwall essex surrey oxford cambridge brighton bath lyon marseille
munich hamburg frankfurt cologne valencia seville naples florence venice turin mumbai delhi bangalore chennai kolkata
heathrow gatwick hare juarez rio salvador costa santa hong kong
fargo schwab nordstrom kroger disney siri alexa cortana honda kia toyota ford tesla mercedes porsche ferrari dell
lenovo samsung nokia sony paypal venmo zelle revolut monzo barclays barclay lloyds halifax santander natwest hsbc
chase citi wells amazon google apple microsoft netflix spotify uber lyft airbnb ebay walmart wal target tesco asda
sainsbury morrisons aldi lidl harrods primark visa mastercard amex discover kraft warner mellon harvard yale fico
broadway penn lux kobe lebron elvis bowie nan nana gran granny nanny mam
im ive id aud usd gbp eur el al de la le las los en se hy til fo au di da du van von der den bin
""".split())

_LATIN = re.compile(r"^[a-z][a-z'\-]*[a-z]$")


def _fold(word: str) -> str:
    """Lower case without accents: "José" -> "jose" (transcripts and chats often drop them)."""
    s = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in s if not unicodedata.combining(c))


@dataclass(frozen=True)
class NameLists:
    """First-name and surname ranks per folded word, and the everyday words among them."""

    first: dict[str, int]
    last: dict[str, int]
    common: frozenset[str]

    def is_first(self, word: str) -> bool:
        return word in self.first

    def is_last(self, word: str) -> bool:
        return word in self.last

    def is_name(self, word: str) -> bool:
        return word in self.first or word in self.last

    def is_plain_name(self, word: str) -> bool:
        """A name and not an everyday word ("priya", "okafor"; not "will", "mark")."""
        return (word in self.first or word in self.last) and word not in self.common


@lru_cache(maxsize=1)
def english_words(path: Path = WORDS_FILE) -> frozenset[str]:
    """Lower-case English words (SCOWL's American list, as in Debian's ``wamerican``): a word
    outside it that follows "this is" or "I'm" is more likely a name than a word."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(f.read().split())


@lru_cache(maxsize=1)
def name_lists(path: Path = NAMES_FILE) -> NameLists:
    """The shipped lists (read once per process)."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    common = set()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            word, fr, lr, c = line.rstrip("\n").split("\t")
            if fr != "0":
                first[word] = int(fr)
            if lr != "0":
                last[word] = int(lr)
            if c == "1":
                common.add(word)
    return NameLists(first, last, frozenset(common))


def build_name_lists(census_dir: Path, out: Path = NAMES_FILE, words_file: Path = Path("/usr/share/dict/words"),
                     max_surname_rank: int = 20000) -> int:
    """Write the list from the census files (``dist.male.first``, ``dist.female.first``,
    ``dist.all.last``), Faker's providers and the word list; returns the number of words."""
    import importlib

    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for fname, target, limit in (("dist.male.first", first, None), ("dist.female.first", first, None),
                                 ("dist.all.last", last, max_surname_rank)):
        for line in (census_dir / fname).read_text().splitlines():
            name, _, _, rank = line.split()
            if limit is None or int(rank) <= limit:
                w = _fold(name)
                target[w] = min(target.get(w, 10**6), int(rank))
    extra_rank = 50000
    for loc in FAKER_LOCALES:
        try:
            p = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except ModuleNotFoundError:
            continue
        for attr, target in (("first_names", first), ("first_names_male", first), ("first_names_female", first),
                             ("last_names", last)):
            for name in getattr(p, attr, ()) or ():
                for part in re.split(r"[\s]+", str(name)):
                    w = _fold(part)
                    if _LATIN.match(w) and len(w) >= 2:
                        target.setdefault(w, extra_rank)
    lower_words = {_fold(w.removesuffix("'s")) for w in words_file.read_text(encoding="utf-8").split() if w.islower()}
    with gzip.open(WORDS_FILE, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(sorted(lower_words)) + "\n")
    words = sorted(set(first) | set(last))
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        for w in words:
            common = w in FUNCTION_WORDS or w in lower_words
            f.write(f"{w}\t{first.get(w, 0)}\t{last.get(w, 0)}\t{int(common)}\n")
    return len(words)


if __name__ == "__main__":  # maintainers: python -m earful.nlp.names CENSUS_DIR (with faker importable)
    import sys

    print(build_name_lists(Path(sys.argv[1])), "words written to", NAMES_FILE)

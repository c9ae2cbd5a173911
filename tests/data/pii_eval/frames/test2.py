"""Frames and pools of the TEST2 split (the second held-out one).

Nobody tunes a recogniser on this split, and nobody reads its misses: the developers of the
recognisers never open, grep or print this file or ``test2.jsonl``; it is scored once, at the end.
It was written after ``dev`` and ``test`` and shares nothing with them: other sentences and
speakers (older customers, non-native English, angry customers, agents reading details back,
wrong starts taken back, numbers broken over two transcript lines, forms pasted into chats,
lists, e-mail signatures), other carrier sentences (CLINC150 intents neither split uses, IMDb
rows of the UCI set, another ABCD dialogue), further countries' formats, and disjoint pools of
names, streets, towns, house names, brands, e-mail domains, passwords and security answers.
See ``../README.md``.
"""

SEED = 20_250_917
REPEAT = {"chat": 3, "sms": 3, "email": 3, "social": 3, "transcript": 3}

# ---- people --------------------------------------------------------------------------------
FIRST_NAMES = {
    "m": ["Albert", "Cyril", "Wilfred", "Norman", "Clifford", "Drew", "Lance", "Glen", "Reed", "Wade", "Rusty",
          "Sonny", "Barry", "Terence", "Desmond", "Kofi", "Oluwaseun", "Yusuf", "Omar", "Hamza", "Vikram", "Sanjay",
          "Rohan", "Haruto", "Minh", "Jae-won", "Bartosz", "Piotr", "Mikołaj", "João", "Joaquín", "Álvaro",
          "Pierre-Yves", "Loïc", "Jens", "Henrik", "Nikos", "Emre", "Tendai", "Obinna", "Lachlan", "Ciarán", "Eoin",
          "Dafydd", "Fraser", "Alasdair", "Clive", "Nigel", "Delroy", "Winston", "Cliff", "Gene", "Rob", "Heath"],
    "f": ["Doris", "Mavis", "Edna", "Gladys", "Brenda", "Maureen", "Pauline", "Hazel", "Olive", "Daisy", "Pearl",
          "June", "April", "Sandy", "Ginger", "Honey", "Misty", "Skye", "Ifeoma", "Adaeze", "Abena", "Sunita",
          "Deepika", "Anjali", "Meera", "Linh", "Seo-yeon", "Aiko", "Zofia", "Magdalena", "Inês", "Leonor", "Begoña",
          "Solène", "Maëlle", "Annika", "Sigrid", "Eleni", "Zeynep", "Rumbidzai", "Niamh", "Orla", "Caoimhe", "Ffion",
          "Eilidh", "Morag", "Glenys", "Yvonne", "Sheila", "Marcia", "Blessing", "Patience", "Charity", "Mercy"],
}
SURNAMES = ["Pennington", "Ramsbottom", "Shepherd", "Butcher", "Archer", "Knight", "Bishop", "Sharp", "Short",
            "Gold", "Cross", "Black", "White", "Gray", "Snow", "Lamb", "Rice", "Moon", "Dyer", "Fuller", "Slater",
            "Thatcher", "Chambers", "Noble", "Wise", "Best", "Ogunleye", "Eze", "Boateng", "Asante", "Mutasa",
            "Dlamini", "Naidoo", "Pillay", "Venkataraman", "Mukherjee", "Desai", "Joshi", "Qureshi", "Malik",
            "Yamamoto", "Kobayashi", "Tran", "Pham", "Choi", "Wiśniewski", "Lewandowska", "Kowalczyk", "Horváth",
            "Popescu", "Papadopoulos", "Öztürk", "Costa", "Oliveira", "Carvalho", "Jiménez", "de la Cruz", "Navarro",
            "Rousseau", "Girard", "Fontaine", "Van den Broeck", "Peeters", "De Smet", "Hoffmann", "Zimmermann",
            "Lindberg", "Nyström", "Virtanen", "Conti", "Ricci", "MacLeod", "McDonagh", "O'Donoghue", "Fitzpatrick",
            "Llewellyn", "Pryce", "D'Souza", "Al-Sayed", "El Amrani", "Ní Bhriain", "ap Rhys", "Abbott", "Ellison",
            "Hartley-Brown"]
WORD_NAMES = {"drew", "lance", "glen", "reed", "wade", "rusty", "sonny", "cliff", "gene", "rob", "heath", "hazel",
              "olive", "daisy", "pearl", "june", "april", "sandy", "ginger", "honey", "misty", "skye", "blessing",
              "patience", "charity", "mercy", "shepherd", "butcher", "archer", "knight", "bishop", "sharp", "short",
              "gold", "cross", "black", "white", "gray", "snow", "lamb", "rice", "moon", "dyer", "fuller", "slater",
              "thatcher", "chambers", "noble", "wise", "best"}
NON_ENGLISH = {"Kofi", "Oluwaseun", "Yusuf", "Omar", "Hamza", "Vikram", "Sanjay", "Rohan", "Haruto", "Minh",
               "Jae-won", "Bartosz", "Piotr", "Mikołaj", "João", "Joaquín", "Álvaro", "Pierre-Yves", "Loïc", "Jens",
               "Henrik", "Nikos", "Emre", "Tendai", "Obinna", "Ciarán", "Eoin", "Dafydd", "Ifeoma", "Adaeze", "Abena",
               "Sunita", "Deepika", "Anjali", "Meera", "Linh", "Seo-yeon", "Aiko", "Zofia", "Magdalena", "Inês",
               "Leonor", "Begoña", "Solène", "Maëlle", "Annika", "Sigrid", "Eleni", "Zeynep", "Rumbidzai", "Niamh",
               "Caoimhe", "Ffion", "Eilidh", "Ogunleye", "Eze", "Boateng", "Asante", "Mutasa", "Dlamini", "Naidoo",
               "Pillay", "Venkataraman", "Mukherjee", "Desai", "Joshi", "Qureshi", "Malik", "Yamamoto", "Kobayashi",
               "Tran", "Pham", "Choi", "Wiśniewski", "Lewandowska", "Kowalczyk", "Horváth", "Popescu",
               "Papadopoulos", "Öztürk", "Costa", "Oliveira", "Carvalho", "Jiménez", "de la Cruz", "Navarro",
               "Rousseau", "Girard", "Fontaine", "Van den Broeck", "Peeters", "De Smet", "Hoffmann", "Zimmermann",
               "Lindberg", "Nyström", "Virtanen", "Conti", "Ricci", "D'Souza", "Al-Sayed", "El Amrani", "Ní Bhriain",
               "ap Rhys"}
# Names given family name first (Chinese, Vietnamese, Korean, Japanese, Hungarian order).
SURNAME_FIRST_NAMES = ["Zhang Wei", "Wang Xiuying", "Liu Yang", "Huang Min", "Zhou Jie", "Tran Thi Hoa",
                       "Pham Quoc Bao", "Vu Duc Anh", "Choi Seung-woo", "Park Ji-hoon", "Suzuki Haruka",
                       "Watanabe Ren", "Nagy Eszter", "Kovács Bence"]
AGENTS = ["Keisha", "Oisín", "Tasha", "Reece", "Priti", "Gavin", "Shauna", "Dwayne", "Nadine", "Kieran", "Jasmeet",
          "Lorraine", "Mo", "Bianca", "Ashok"]
# Given names a carrier sentence must not contain (it would be an unlabelled name).
EXTRA_GIVEN_NAMES = ["john", "mary", "mike", "jim", "bob", "tom", "anna", "jane", "alex", "sam", "lisa", "kate",
                     "paul", "steve", "dan", "emily", "jack", "harry", "lucy", "amy", "adam", "max", "jenny", "tim",
                     "nick", "matt", "kevin", "brian", "peter", "susan", "karen", "linda", "nancy", "helen", "ruth",
                     "gary", "eric", "scott", "jason", "ryan", "josh", "andrew", "chris", "tony", "jeff", "ann",
                     "joan", "siri", "alexa", "cortana", "david", "michael", "robert", "richard", "joe", "frank",
                     "will", "bill", "mark", "grace", "rose", "james", "george", "charles", "henry", "sarah"]
PERSON_COUNTRIES = ["uk", "us", "ie", "pl", "uk", "in", "pt", "us", "be", "se", "uk", "nz", "za", "ch", "at", "sg",
                    "ng", "br", "uk", "ca", "au", "fr", "de", "es", "it", "nl", "ph", "mx"]

# ---- phones, e-mail -----------------------------------------------------------------------------
PHONE_COUNTRIES = ["uk", "ie", "us", "pl", "pt", "uk", "be", "se", "in", "nz", "za", "uk", "ch", "at", "sg", "br",
                   "mx", "ng", "ph", "ca", "au", "fr", "de", "es", "it", "nl", "us", "uk"]
PHONE_SPOKEN_FORMS = ["spoken", "spoken-pairs", "spoken-double", "spoken-intl", "mixed-spoken", "asr-digits",
                      "spoken-pairs", "spoken"]
PHONE_EXTRA_FORMS = ["intl-no-plus", "intl-parens"]
NANP_AREAS = {"us": ["216", "480", "503", "818", "907", "808", "505", "801", "402", "317", "720", "864"],
              "ca": ["902", "306", "705", "250"]}
EMAIL_DOMAINS = {"uk": ["blueyonder.co.uk", "ntlworld.com", "tiscali.co.uk", "aol.co.uk", "fastmail.com",
                        "protonmail.com", "zoho.com"],
                 "us": ["mail.com", "cox.net", "charter.net", "earthlink.net", "ymail.com", "rocketmail.com"],
                 "ca": ["videotron.ca", "bell.net"], "ie": ["vodafone.ie", "mail.com"],
                 "fr": ["neuf.fr", "bbox.fr"], "de": ["arcor.de", "mailbox.org"], "es": ["terra.es", "ono.com"],
                 "it": ["fastwebnet.it", "email.it"], "nl": ["planet.nl", "home.nl"], "in": ["sify.com", "indiatimes.com"],
                 "au": ["westnet.com.au", "internode.on.net"], "pt": ["sapo.pt"], "pl": ["wp.pl", "onet.pl", "interia.pl"],
                 "se": ["telia.com", "spray.se"], "ch": ["bluewin.ch"], "at": ["aon.at"], "nz": ["xtra.co.nz"],
                 "za": ["mweb.co.za"], "sg": ["singnet.com.sg"], "br": ["uol.com.br", "bol.com.br"],
                 "mx": ["prodigy.net.mx"], "ng": ["ymail.com"], "ph": ["pldtdsl.net"]}
WORK_DOMAINS = ["accounts.harrowgate-dental.co.uk", "mail.quayside-print.com", "staff.larkhill-academy.org.uk",
                "team.copperleaf.io", "ops.marlin-freight.com.au", "buero.rheinfeld-gmbh.de"]
PLUS_TAGS = ["orders", "insurance", "deals", "school", "utilities"]
EMAIL_SPOKEN_FORMS = ["spoken", "spoken-symbols", "asr-split", "spelled", "spoken", "asr-written", "asr-split"]
# How speech-to-text breaks a provider's name ("g mail"); a short one comes out letter by letter.
ASR_SPLITS = {"blueyonder": "blue yonder", "ntlworld": "n t l world", "protonmail": "proton mail",
              "fastmail": "fast mail", "earthlink": "earth link", "rocketmail": "rocket mail", "ymail": "y mail",
              "mailbox": "mail box", "bluewin": "blue win", "singnet": "sing net", "westnet": "west net",
              "videotron": "video tron", "indiatimes": "india times", "pldtdsl": "p l d t d s l",
              "fastwebnet": "fast web net", "internode": "inter node"}
# Words callers give for letters when they spell ("p for peter", "s as in sierra").
SPELLING_WORDS = {"a": ["apple", "alpha", "alfred"], "b": ["bravo", "boy", "bertie"], "c": ["charlie", "cat"],
                  "d": ["delta", "dog", "david"], "e": ["echo", "edward", "egg"], "f": ["foxtrot", "freddie"],
                  "g": ["golf", "george"], "h": ["hotel", "harry"], "i": ["india", "igloo"], "j": ["juliet", "jam"],
                  "k": ["kilo", "king"], "l": ["lima", "london", "lemon"], "m": ["mike", "mother", "mary"],
                  "n": ["november", "nuts"], "o": ["oscar", "orange"], "p": ["papa", "peter"], "q": ["quebec", "queen"],
                  "r": ["romeo", "robert"], "s": ["sierra", "sugar"], "t": ["tango", "tommy"], "u": ["uniform", "umbrella"],
                  "v": ["victor", "violin"], "w": ["whiskey", "william"], "x": ["x-ray"], "y": ["yankee", "yellow"],
                  "z": ["zulu", "zebra"]}
CORRECTIONS_SPOKEN = ["no sorry", "no wait", "sorry i mean", "hang on no it's", "scratch that", "no no",
                      "oops let me start again", "sorry"]
CORRECTIONS_WRITTEN = [" sorry typo its ", "\n*", "\nsorry, ", "\nno wait ", " i mean "]

# ---- cards, banks --------------------------------------------------------------------------------
CARD_BRANDS = ["visa", "mastercard", "jcb", "visa", "amex", "diners", "unionpay", "mastercard", "discover", "visa19",
               "maestro"]
CARD_FORMS = ["spaced", "digits", "irregular", "dashed", "spaced", "dotted", "digits"]
CARD_SPOKEN_FORMS = ["spoken", "spoken-pairs", "spoken-double", "mixed-spoken", "asr-digits", "spoken",
                     "spoken-pairs"]
GB_BANKS = ["RBOS", "BOFS", "CLYD", "HLFX", "ABBY", "SCBL"]
IBAN_COUNTRIES = ["pt", "pl", "gb", "at", "ch", "se", "de", "lu", "fr", "dk", "es", "fi", "no", "it", "nl", "be", "ie"]
IBAN_FORMS = ["grouped", "compact", "lowercase-grouped", "irregular", "grouped", "lowercase"]
IBAN_SPOKEN_FORMS = ["spoken", "spoken-double", "asr-written", "spoken-double", "spoken"]

# ---- dates of birth -----------------------------------------------------------------------------
DOB_FORMS = ["numeric-slash", "ymd-slash", "long-dmy", "roman-month", "compact-month", "apostrophe-year",
             "numeric-space", "ymd-dot", "long-mdy", "month-abbrev", "numeric-dash", "iso", "short-year", "numeric-dot"]
DOB_SPOKEN_FORMS = ["spoken-month-the", "spoken-ordinal-numeric", "spoken-hesitant", "spoken-dmy", "spoken-mdy",
                    "spoken-digits", "spoken-numeric", "asr-written"]

# ---- places ----------------------------------------------------------------------------------------
UK_TOWNS = [("Widnes", "WA"), ("Truro", "TR"), ("Hereford", "HR"), ("Dumfries", "DG"), ("Llandudno", "LL"),
            ("Harrogate", "HG"), ("Ipswich", "IP"), ("Stockport", "SK"), ("Telford", "TF"), ("Salisbury", "SP"),
            ("Perth", "PH"), ("Newport", "NP"), ("Kilmarnock", "KA"), ("Lerwick", "ZE"), ("Croydon", "CR"),
            ("Romford", "RM"), ("Enfield", "EN")]
UK_STREETS = ["Acacia Avenue", "Tennyson Road", "Nelson Terrace", "Gladstone Street", "Rowan Close", "Heather Bank",
              "Kiln Lane", "Foundry Walk", "Quarry Hill", "Ashby Crescent", "Bluebell Way", "Cobden Street",
              "Tithe Barn Lane", "Wharf Road", "Moorside Drive", "Larch Rise", "Pendle View"]
BUILDINGS = ["Beaumont Court", "Jubilee Mansions", "Lanyard House", "Prospect Point", "Saffron Heights"]
HOUSE_NAMES = ["Fernleigh", "The Haven", "Rosemount", "Tŷ Gwyn", "Swallows Nest", "The Laurels", "Brookside Cottage",
               "Windrush", "Glenview"]
VILLAGES = ["Bishops Lydeard", "Clovelly", "Ashby-de-la-Zouch", "Mousehole", "Tollerton"]
US_CITIES = [("Tulsa", "OK", "741"), ("Omaha", "NE", "681"), ("Boise", "ID", "837"), ("Albuquerque", "NM", "871"),
             ("Cleveland", "OH", "441"), ("Savannah", "GA", "314"), ("Burlington", "VT", "054"),
             ("Anchorage", "AK", "995"), ("Honolulu", "HI", "968")]
US_STREETS = ["Magnolia Blvd", "Peachtree Lane", "Sycamore Street", "E 42nd St", "Old Mill Road", "Prospect Ave",
              "Cherry Hill Drive", "County Road 12", "Bayview Terrace"]
CA_CITIES = [("Moncton", "NB", "E"), ("Winnipeg", "MB", "R"), ("Regina", "SK", "S"), ("Edmonton", "AB", "T")]
AU_SUBURBS = [("Newtown", "NSW", "2042"), ("Carlton", "VIC", "3053"), ("Toowong", "QLD", "4066"),
              ("Fremantle", "WA", "6160"), ("Braddon", "ACT", "2612"), ("Sandy Bay", "TAS", "7005")]
AU_STREETS = ["Lygon Street", "Beaufort St", "Hindley Street", "Coronation Drive", "Wickham Terrace"]
IN_CITIES = [("Hyderabad", "500"), ("Pune", "411"), ("Kolkata", "700"), ("Jaipur", "302")]
IN_STREETS = ["Banjara Hills Road No. 12", "FC Road, Shivajinagar", "Park Street", "MI Road", "Jubilee Hills"]
IN_HOUSE_NAMES = ["Gokul Dham", "Sri Venkateshwara Nilayam", "Annapurna Villa"]
IN_LANDMARKS = ["near Hanuman Temple", "opp. City Hospital", "behind the petrol pump", "beside Post Office",
                "near Clock Tower"]
IE_TOWNS = [("Sligo", "F91"), ("Kilkenny", "R95"), ("Waterford", "X91"), ("Dublin 6W", "D6W")]
NZ_SUBURBS = [("Ponsonby", "Auckland", "1011"), ("Te Aro", "Wellington", "6011"), ("Riccarton", "Christchurch", "8041"),
              ("Frankton", "Hamilton", "3204")]
NZ_STREETS = ["Karangahape Road", "Cuba Street", "Riccarton Road", "Tory Street"]
SG_STREETS = ["Ang Mo Kio Avenue 3", "Tampines Street 21", "Jurong West Street 52", "Bukit Batok East Avenue 4",
              "Toa Payoh Lorong 1"]
BE_CITIES = [("Bruxelles", "10"), ("Antwerpen", "20"), ("Gent", "90"), ("Liège", "40")]
BE_STREETS = ["Rue Royale", "Kerkstraat", "Meir", "Chaussée de Louvain", "Veldstraat"]
CH_CITIES = [("Zürich", "80"), ("Bern", "30"), ("Basel", "40"), ("Lausanne", "10")]
CH_STREETS = ["Bahnhofstrasse", "Seestrasse", "Rue du Bourg", "Spitalgasse", "Marktgasse"]
AT_CITIES = [("Wien", "106"), ("Graz", "801"), ("Salzburg", "502"), ("Innsbruck", "602")]
AT_STREETS = ["Mariahilfer Straße", "Herrengasse", "Getreidegasse", "Maria-Theresien-Straße"]
PT_CITIES = [("Lisboa", "1100"), ("Aveiro", "3800"), ("Coimbra", "3000"), ("Braga", "4700")]
PT_STREETS = ["Rua Augusta", "Avenida da Liberdade", "Rua de Santa Catarina", "Rua Ferreira Borges"]
PL_CITIES = [("Warszawa", "00"), ("Kraków", "31"), ("Gdańsk", "80"), ("Wrocław", "50")]
PL_STREETS = ["ul. Marszałkowska", "ul. Floriańska", "ul. Długa", "ul. Świdnicka"]
SE_CITIES = [("Stockholm", "114"), ("Göteborg", "411"), ("Malmö", "211"), ("Uppsala", "753")]
SE_STREETS = ["Drottninggatan", "Kungsgatan", "Storgatan", "Vasagatan"]
FR_CITIES = [("Bordeaux", "33"), ("Strasbourg", "67"), ("Rennes", "35")]
FR_STREETS = ["rue Sainte-Catherine", "cours de l'Intendance", "quai des Chartrons", "rue du Faubourg"]
DE_CITIES = [("Stuttgart", "70"), ("Nürnberg", "90"), ("Bremen", "28")]
DE_STREETS = ["Königstraße", "Karlstr.", "Bergweg", "Rosenstraße"]
ES_CITIES = [("Bilbao", "48"), ("Zaragoza", "50"), ("Málaga", "29")]
ES_STREETS = ["Gran Vía", "Calle Larios", "Calle del Coso", "Avenida Diagonal"]
IT_CITIES = [("Bologna", "401"), ("Firenze", "501"), ("Genova", "161")]
IT_STREETS = ["Via Indipendenza", "Via dei Calzaiuoli", "Via XX Settembre", "Viale Mazzini"]
NL_CITIES = [("Eindhoven", "56"), ("Groningen", "97"), ("Haarlem", "20")]
NL_STREETS = ["Stratumseind", "Herestraat", "Grote Houtstraat", "Vismarkt"]
ADDRESS_COUNTRIES = ["uk", "us", "nz", "sg", "uk", "be", "ch", "at", "pt", "pl", "se", "in", "ie", "au", "ca", "uk",
                     "us", "fr", "de", "es", "it", "nl"]
ADDRESS_FORMS = {"uk": ["house-number", "multi-line", "flat-prefix", "house-name", "po-box", "house-number"],
                 "us": ["house-number", "apartment", "rural-route", "multi-line", "po-box"],
                 "ca": ["house-number", "apartment"], "au": ["multi-line", "apartment", "house-number", "po-box"],
                 "in": ["landmark", "apartment", "house-name"], "ie": ["house-number", "apartment", "house-name"],
                 "nz": ["house-number", "apartment", "po-box"], "sg": ["block", "house-number"],
                 "be": ["house-number", "apartment", "po-box"], "ch": ["house-number", "apartment", "po-box"],
                 "at": ["apartment", "house-number"], "pt": ["apartment", "house-number", "po-box"],
                 "pl": ["apartment", "house-number", "po-box"], "se": ["house-number", "apartment", "po-box"],
                 "fr": ["house-number", "apartment"], "de": ["house-number", "apartment"],
                 "es": ["apartment", "house-number"], "it": ["house-number", "apartment"], "nl": ["house-number", "apartment"]}

# ---- customer numbers, secrets ---------------------------------------------------------------------
CUSTNO_PREFIXES = ["ACN", "FFN", "STU", "HOS", "TNC", "LPX"]
CUSTNO_FORMS = ["digits", "spaced-alnum", "alnum", "dashed", "lowercase-alnum", "slashed", "digits", "spaced-alnum"]
CUSTNO_SPOKEN_FORMS = ["spoken", "as-in", "asr-digits", "phonetic", "spoken", "as-in"]
EASY_PINS = ["1470", "3690", "7777", "1004", "2222"]
PASSWORDS = ["Gooner4Life!", "Tigger1987", "mypassword1", "B3ckham#7", "rosebud99", "Kilimanjaro22", "Pa55word!",
             "Hedgehog_12", "sunflower88", "Qwerty!2024", "Nan&Grandad1", "bluemoon77"]
MAIDEN_NAMES = ["Ashworth", "Oyelaran", "Castellano", "Grzybowski", "Thorne", "Mulligan", "Vasquez", "Halloran"]
PET_NAMES = ["Snowy", "Patch", "Mittens", "Bonzo", "Ziggy", "Sooty", "Muffin", "Duke"]
SCHOOLS = ["St Aidan's", "Brookfield Primary", "Mount Pleasant Juniors", "Sacred Heart", "Cranbrook Infants"]
MEMORABLE_WORDS = ["watermelon", "penguin", "harbour", "cinnamon", "waterfall", "trampoline"]
BIRTH_TOWNS = ["Blackpool", "Mombasa", "Gdynia", "Aberystwyth", "Rotherham", "Ibadan", "Chittagong"]
FAVOURITE_FILMS = ["Grease", "The Sound of Music", "Jaws", "Titanic", "Top Gun", "Mary Poppins"]
FIRST_CARS = ["Ford Fiesta", "Vauxhall Nova", "Mini Metro", "Nissan Micra", "Austin Allegro", "VW Polo"]
CHILDHOOD_STREETS = ["Jubilee Road", "Lavender Hill", "Albion Street", "Cranmer Close"]

# ---- look-alikes (hard negatives) ------------------------------------------------------------------
ORDER_FORMS = ["hash", "digits", "alnum", "amazon", "hash", "digits"]
ORDER_PREFIXES = ["OR", "WO-", "NX", "ECM"]
REF_FORMS = ["complaint", "claim", "pnr", "incident", "case", "ticket", "claim"]
PRODUCTS = ["Dyson V15", "SM-A546B", "ThinkPad T14 Gen 3", "MX Master 3S", "Echo Dot (5th Gen)", "SKU 55-0912-7",
            "BRAVIA XR-65A80L", "Nest Mini", "part 3B-77041", "Fire TV Stick 4K", "Switch OLED", "Model Y"]
UNITS = ["sacks", "crates", "metres", "pallets", "sheets", "gigs", "cartons", "loaves", "doses", "vouchers"]
# Shops and companies, many named after a family (Selfridge, Debenham, Timpson, Nordstrom).
BRANDS = ["Selfridges", "Debenhams", "Harrods", "Clarks", "Timpson", "Hamleys", "Walgreens", "Macy's", "Kohl's",
          "Nordstrom", "Dillard's", "Wendy's", "Whittard", "Hobbs", "Halfords", "Ocado", "Kwik Fit"]
# Brands named after people: used only where a reader sees a shop or a product, not a person.
PERSON_BRANDS = ["Laura Ashley", "Jo Malone", "Fortnum & Mason", "Ben Sherman", "Hugo Boss", "Charles Tyrwhitt",
                 "Emma Bridgewater", "Cath Kidston"]
# Towns that are also surnames (or given names): a place, not a person, where they stand.
PLACES = ["Bolton", "Carlisle", "Sutton", "Darlington", "Huntingdon", "Warrington", "Wakefield", "Crawley", "Hastings",
          "Paisley", "Dudley", "Lewes", "Clifton", "Tyler", "Clinton", "Bradford", "Buxton", "Stanley", "Hamilton",
          "Kendal", "Ely", "Douglas"]
AIRLINES = ["EI", "LX", "OS", "TP", "LO", "SN", "NZ", "SQ", "QF", "WN"]
ERROR_CODES = ["error 0xC004F074", "E-1172", "code 429", "ERR_SSL_PROTOCOL_ERROR", "fault F28"]
VERSIONS = ["v10.4.1", "iOS 18.1", "firmware 2.1.0.44", "Android 15", "build 22H2", "version 5.0.3"]
CLAUSES = ["clause 4.2", "section 7(b)", "paragraph 12.1", "condition 9", "exclusion 3(c)", "schedule 2", "clause 18",
           "section 11.4"]
BICS = ["DEUTDEFF", "BNPAFRPP", "NWBKGB2L", "INGBNL2A", "BCITITMM", "CAIXESBB", "AIBKIE2D", "UBSWCHZH80A"]
HOLIDAYS = ["Boxing Day", "Black Friday", "Christmas Eve", "Easter Monday", "New Year's Day", "Thanksgiving",
            "bank holiday Monday", "Diwali", "Eid", "Good Friday", "Hogmanay", "St Patrick's Day"]

# ---- carriers: real sentences from ../shared/data ----------------------------------------------------
# clinc150: intents neither dev nor test uses; uci_sentiment: the IMDb sentences (dev and test take
# Yelp rows); abcd: the dialogue neither uses. No BANKING77 sentence: dev and test share its categories.
# (Not the reservation intents: a table is booked "for" someone, an unlabelled name.)
TEST2_INTENTS = {"order_checks", "credit_limit_change", "book_hotel", "exchange_rate", "international_visa",
                 "vaccines", "schedule_maintenance", "last_maintenance", "oil_change_when", "tire_change", "jump_start",
                 "taxes", "w2", "payday", "income", "rollover_401k", "find_phone", "pto_request", "pto_balance",
                 "thank_you", "goodbye"}
CARRIER_SOURCES = {
    "clinc150": lambda intent: intent in TEST2_INTENTS,
    "uci_sentiment": lambda row, label: True,
}
CARRIER_FILES = {"uci_sentiment": "imdb_labelled.txt"}
CARRIER_FRAMES = [
    ("clinc150", "chat", "{carrier}. member no {custno}, dob {dob}", 12),
    ("clinc150", "chat", "{carrier} - {name}, {phone}", 12),
    ("clinc150", "sms", "{carrier}. {first}", 10),
    ("clinc150", "email", "Hi,\n\n{carrier}\n\nMany thanks,\n{name}\n{address:multi-line}", 10),
    ("clinc150", "transcript", "caller: {um}{carrier} and the card is {card}", 10),
    ("clinc150", "transcript", "agent: can i have your name please\ncaller: {name}\nagent: what can i do for you\ncaller: {carrier}", 12),
    ("clinc150", "transcript", "spk_1: {carrier} my account number's {ukacc} sort code {sort}", 8),
    ("clinc150", "social", "{carrier} [[-BRAND/handle:@HarbourBankHelp]] acct {custno}", 8),
    ("uci_sentiment", "social", "{carrier} anyway [[-BRAND/handle:@StreamBoxHelp]] you charged my card ending {-last4} twice, {email}", 12),
    ("uci_sentiment", "social", "{carrier} - {first}, {-place}", 10),
    ("uci_sentiment", "email", "Subject: cinema booking {-ref}\n\n{carrier}\n\nPlease refund {-amount} to card {card}.\n\n{name}", 10),
    ("uci_sentiment", "chat", "{carrier} btw can you send the tickets to {email}", 10),
]
ABCD_DIALOGUES = [2]
ABCD_SLOTS = {"hey ho!": "hey ho! {first} here, member no. {custno}",
              "ok, just to verify you already tried to use the code?":
                  "before that can you confirm the email and phone on the account?\ncustomer: {email} and {phone:us:dashed}\n"
                  "agent: thank you {first}. just to verify you already tried to use the code?",
              "7 days": "[[-DURATION/count:7 days]]"}
ABCD_REPEAT = 4

# ---- hand-written frames ---------------------------------------------------------------------------------
CHAT = [
    # forms pasted into a chat, lists
    "Name: {name}\nDOB: {dob}\nPostcode: {postcode:uk}\nIssue: charged twice for {-order}",
    "Full name - {name}\nDate of birth - {dob}\nMobile - {phone}\nEmail - {email}",
    "details as requested:\n1) {name}\n2) {dob}\n3) {address}\n4) {custno}",
    "- name: {first} {last}\n- acct: {custno}\n- best number: {phone}",
    "Account holder: {name}\nIBAN: {iban}\nBIC: {-bic}\nReason: refund of {-amount}",
    "NAME {name}\nPHONE {phone}\nADDRESS {address}",
    "payee {name} / bsb {bsb} / acc {auacc} / amount {-amount}",
    # non-native English
    "hello i am {name}, please i want to know why my card {card} is not working since {-date}",
    "good morning sir, my good name is {name} and my mobile number is {phone:in}. kindly do the needful",
    "i am writing from {-place}, the account is on the name of {name}, born {dob}",
    "please to send the new card at {address}, i am moving from {-holiday}",
    "sorry my english, my wife {first:p2:f} she cannot login, her email is {email:p2}",
    # angry customers
    "WHY HAS MY DIRECT DEBIT GONE OUT TWICE?? {-amount} AND {-amountw}?? account {custno}",
    "third time asking. my name is {name}. my number is {phone:correct}. CALL ME",
    "this is a joke. {-duration} on hold and the app shows {-error}. sort it. {first}",
    "you took {-amountw} from {name} without asking!!! ref {-ref}",
    # split and corrected numbers
    "ok so card is {card:head}\n{card:tail}\nsorry pressed enter too soon",
    "iban {iban:head}\n{iban:tail}",
    "my number is {phone:correct}",
    "card no {card:correct} exp next year",
    "sort code {sort:correct} account {ukacc}",
    "my pin is {pin:correct}",
    # third parties
    "my mum is {name:p2:f:titlefull}, born {dob:p2}, i have power of attorney",
    "the policy is in my dad's name, {first:p2:m} {last}",
    "my son {first:p2:m} has the card now, can he be added? his dob is {dob:p2}",
    "pls send it c/o {name:p2}, {address}",
    # addresses
    "hi its {first}!! can u change my address to {address:multi-line}",
    "new addy {address} from {-holiday}",
    "deliver to {address:block} pls, lift is broken so leave at the door",
    "address is {address:landmark}",
    "the house is called {address:house-name}, no number",
    # further countries' ids and bank details
    "{name} | {dob} | {nhs}",
    "my nhs number is {nhs}, the appointment on {-date} was cancelled",
    "tfn {tfn} - is that needed for the super form?",
    "pps no. {ppsn}",
    "codice fiscale: {codfisc}",
    "my nif is {nif} for the invoice {-invoice}",
    "pesel {pesel}, i need it on the contract",
    "personnummer {persnr}",
    "my cpf is {cpf}",
    "id number {zaid} (south african)",
    "rijksregisternummer {benn}",
    "transit {catransit} account {caacc}, for the direct deposit",
    "acc no {nzacc}",
    "ifsc {ifsc} a/c {inacc}",
    "new phone: {phone:sg}",
    "whatsapp me {phone:br}",
    "uk number is {phone:uk} but i'm in portugal so {phone:pt} is better till {-date}",
    # e-mail, secrets
    "i changed jobs, use {email:work} from now on",
    "security answer: {film}",
    "first car was a {firstcar} lol",
    "code {otp} (the one from the text)",
    "new pw = {password} (changed it last night)",
    "iban for the refund: {iban}",
    "the iban is {iban}, name on the account {name}",
    "born {dob} in {-place}, does that help?",
    # look-alikes
    "the promo said {-percent} off until {-holiday} but i paid {-amount}",
    "i have {-product} on {-version} and it keeps throwing {-error}",
    "i'll [[-ORDINARY_WORD/sue:sue]] if this isnt fixed by {-date}",
    "my [[-ORDINARY_WORD/olive:olive]] oil order {-order} came smashed",
    "bought [[-ORDINARY_WORD/pearl:pearl]] earrings at {-brand}, receipt {-invoice}",
    "got {-qty} instead of {-qty}, order {-order}. ur courier left it at the {-place} depot",
    "{first} here (the one with the broken {-product}), ticket {-ref}",
    "under {-clause} im covered up to {-amount} so why was the claim {-ref} refused",
    "dob {dob} (not {-date} like ur letter says)",
    "hiya is {agent} working today? she helped me with {-ref}",
    "acc opened {-year}, customer no {custno}, still not got the {-amount} back",
]
SMS = [
    "{first} here, new no {phone} x",
    "Pls ring {phone:ie} after {-time}",
    "Hi, its {name:titlefull}. My pension payment of {-amount} hasnt arrived",
    "ur engineer didnt turn up {-date}. {address} {phone}",
    "STOP texting me. {custno}",
    "cancel {-ref} pls. {name}",
    "birthday {dob} if u need it",
    "my postcode is {postcode:uk}, the old one was {postcode:uk}",
    "Your one-time code is {otp}. Never share it, not even with us.",
    "Reminder {first}: your delivery {-tracking} arrives {-holiday}",
    "card {card:correct}",
    "ok the iban is {iban}",
    "pin is {pin} dont tell anyone lol",
    "{name}\n{dob}\n{address}",
    "sorry new number, it's {first}. {phone}",
    "I AM STILL WAITING. {-duration}. REF {-ref}",
    "Hi {agent} thanks for today. {email}",
    "acc {nzacc} ta",
    "my tfn {tfn}",
    "mail goes to {address:rural-route}",
    "bsb {bsb} acc {auacc}",
    "{-qty} missing again!! order {-order}",
    "ssn {ssn:correct}",
    "ni {nino}",
    "sent {-amount} on {-date} ref {-ref}",
    "can u ring {first:p2} on {phone} instead",
    "thx {agent}, {-amountw} refunded, all good",
    "[[-ORDINARY_WORD/june:June]] bill is {-amount}?? normally {-amount}",
    "{phone:mx} es mi numero, {first}",
    "code {otp:correct}",
    "iban {iban} bic {-bic}",
    "frequent flyer no {custno} pls add the miles",
]
EMAIL = [
    "Hello,\n\nPlease find attached the signed form.\n\nBest wishes\n\n{name}\nOffice Manager | [[-BRAND/brand:Quayside Print Ltd]]\nT: {phone} | M: {phone}\nE: {email:work}\n{address:multi-line}",
    "Dear Sirs,\n\nI write regarding my late husband's account. His name was {name:p2:m:titlefull} and his account number was {ukacc}. I enclose the death certificate.\n\nYours faithfully,\n{name:titlefull}\n{address}",
    "Dear Sir/Madam,\n\nI am {name} and I am customer since {-year}. My customer number is {custno}. Please kindly change my mobile number to {phone} and e-mail to {email}.\n\nThanking you,\n{name}",
    "Dzień dobry,\n\nproszę o zwrot na konto {iban:pl}.\n\nPozdrawiam\n{name}",
    "Boa tarde,\n\no meu NIF é {nif} e o IBAN {iban:pt}.\n\nCumprimentos,\n{name}",
    "Hej,\n\nmitt personnummer är {persnr} och jag bor på {address:se}.\n\nMed vänliga hälsningar\n{name}",
    "Beste,\n\nmijn rijksregisternummer is {benn} en mijn adres {address:be}.\n\nMet vriendelijke groeten,\n{name}",
    "To whom it may concern,\n\nThis is my FOURTH email. I was promised a refund of {-amount} on {-date} by {agent}. Nothing. If I don't hear back by {-date} I will go to the ombudsman.\n\n{name}\nAccount {custno}",
    "---------- Forwarded message ---------\nFrom: {name} <{email}>\nDate: {-date}\nSubject: Re: order {-order}\n\nplease see below, still no refund",
    "Hello,\n\nMy claim {-ref} was declined under {-clause}. The policy wording says cover up to {-amount} with an excess of {-amount}. Please review.\n\nRegards,\n{name}\nPolicy number: {custno}",
    "Payee: {name}\nAccount number: {usacc}\nRouting: {routing}\nSWIFT: {-bic}\nMemo: invoice {-invoice}",
    "> On {-date}, {agent} wrote:\n> Could you confirm your date of birth?\n\n{dob}, and the postcode is {postcode:uk}.\n\n{first}",
    "Hi,\n\nI'll be working from our [[-PLACE/place:Zurich]] office until {-holiday}.\n\nKind regards,\n{name}\n{phone:ch}\n\nThis e-mail and any attachments are confidential and intended for the addressee only.",
    "Hi,\n\nPlease update my tax details: TFN {tfn}, super fund member number {custno}.\n\n{name}",
    "Hello,\n\nMy NHS number is {nhs} and my date of birth is {dob}. I need to rearrange the appointment on {-date} at {-time}.\n\nThanks,\n{name}",
    "Hi,\n\nFor the payroll deposit: transit {catransit}, account {caacc}. My SIN is {sin}.\n\n{name}",
    "Respected Sir,\n\nKindly transfer the refund to A/C No. {inacc}, IFSC {ifsc}, in the name of {name}. My Aadhaar is {aadhaar}.\n\nRegards\n{name}\n{phone:in}",
    "Olá,\n\nmeu CPF é {cpf} e o telefone {phone:br}.\n\nAtenciosamente,\n{name}",
    "Dear Bank,\n\nI do not use computers much so my grandson {first:p2:m} is typing this for me. My account is {ukacc}, sort code {sort}. Please telephone me on {phone:uk} in the mornings.\n\n{name:titlefull}",
    "Hi,\n\nAs requested:\n• Full name: {name}\n• Date of birth: {dob}\n• Membership no: {custno}\n• Phone: {phone}\n\nThanks",
    "Hello team,\n\nThe [[-PLACE/place:Dublin]] office moved. New details below.\n\n{name}\nAccounts Payable\nD: {phone:ie}\nmailto:{email:work}",
    "Hi {agent},\n\nThe replacement {-product} stopped working after the {-version} update, same {-error} as before.\n\nCheers,\n{first}\n\nSent from my [[-BRAND/brand:Pixel]]",
    "Good afternoon,\n\nMy address has changed to {address}. The old one was {address}.\n\n{name}",
    "Hello,\n\nPlease post the paperwork to {address:flat-prefix}, not to the shop.\n\n{name:title}",
    "Hi,\n\nPlease refund to my IBAN {iban:correct}\n\nThanks\n{name}",
    "Hi,\n\nMy bank details have changed.\nOld IBAN: {iban}\nNew IBAN: {iban}\n\n{name}",
    "Hello,\n\nMy mother, {name:p2:f}, date of birth {dob:p2}, has asked me to write on her behalf. Her patient number is {custno}.\n\n{name}",
    "Dear Customer Relations,\n\nOn {-holiday} I bought {-qty} from your {-place} branch of {-brand} for {-amount}. None of them worked.\n\nYours sincerely\n{name:title}",
    "Hi,\n\nmy PPS number is {ppsn} and my address is {address:ie}.\n\n{first}",
    "Hello,\n\nPlease note my e-mail address has changed to {email}. My old one, {email:p2}, is my partner's.\n\nBest,\n{name}",
    "Guten Tag,\n\nmeine neue Anschrift: {address:at}\nTelefon: {phone:at}\n\nFreundliche Grüße\n{name}",
    "Hi,\n\nMy codice fiscale is {codfisc}, needed for the Italian booking {-ref}.\n\n{name}",
    "To the manager,\n\nYour driver left my parcel {-tracking} in the rain. I am in {address:rural-route}, it is not hard to find.\n\n{name}\n{phone:us}",
]
SOCIAL = [
    "[[-BRAND/handle:@QuickParcelUK]] 3rd time ur driver has left my parcel at the {-place} depot. tracking {-tracking}. sort it",
    "Absolutely disgusted with {-brand}. Waited {-duration} for a refund. {name}",
    "1 star. {-brand} lost my order {-order}. Never again",
    "anyone else having issues with the app on {-version}? {-error} every time",
    "shoutout to {agent} at [[-BRAND/handle:@HarbourBankHelp]] 🙌",
    "[[-BRAND/handle:@FlyHighAir]] flight {-flight} delayed {-duration} at {-place}, booking {-ref}",
    "lost my phone on the {-place} train, if found call {phone} or email {email}",
    "dm me pls, my account {custno} is frozen and i can't pay rent",
    "{name} here from {-place} 👋 still waiting on claim {-ref}",
    "[[-BRAND/handle:@PowerGridCare]] meter's been wrong since {-date}. acct {custno}. {address}",
    "can't believe i have to post this publicly but my email is {email} please reply",
    "Happy {-holiday} to everyone except [[-BRAND/handle:@TeleLinkSupport]] who cut my line",
    "{-pbrand} sale was a joke, {-percent} off nothing",
    "back to the [[-ORDINARY_WORD/norm:norm]] after {-holiday}, still no reply from {-brand}",
    "went to {-brand} in {-place} for [[-ORDINARY_WORD/ginger:ginger]] biscuits, came out with {-qty}",
    "my wife {first:p2:f} and i have been customers since {-year} and this is how you treat us?",
    "Yo [[-BRAND/handle:@GameVaultHelp]] my username is {custno:username} and i got banned for nothing",
    "if anyone from {-brand} reads this: order {-order}, {name}, {postcode:uk}",
    "[[-BRAND/handle:@StreamBoxHelp]] charged {-amount} after I cancelled on {-date}",
    "{first} {last} — {phone:nz} — DM me",
    "reposting because nobody answered: refund to {iban} please",
    "gonna [[-ORDINARY_WORD/sue:sue]] {-brand} honestly",
    "RIP my {-product}. {-duration} old. [[-BRAND/handle:@GadgetHutHelp]] ticket {-ref}",
    "[[-ORDINARY_WORD/mercy:mercy]] me, {-amountw} for a taxi from {-place}",
    "Big thanks to {name} from the {-place} branch 👏",
]
TRANSCRIPT = [
    # numbers over two lines, wrong starts taken back, read-backs
    "agent: can i take the long number on the card\ncaller: yeah it's {card:head}\nagent: mhm\ncaller: {card:tail}",
    "spk_1: the card number is {card:correct}",
    "customer: it's {phone:correct}",
    "agent: and the sort code\ncustomer: {sort:correct}\nagent: and the account number\ncustomer: {ukacc}",
    "customer: my mobile is {phone}\nagent: let me read that back {phone:again} is that right\ncustomer: yes",
    "customer: {card}\nagent: so that's {card:again}\ncustomer: correct",
    "customer: no no listen the iban is {iban:head}\ncustomer: {iban:tail}",
    "agent: what's the best number to call you\ncustomer: {um}{phone:head}\ncustomer: {phone:tail}",
    "customer: my pin is {pin:correct}",
    "customer: the code is {otp:correct}",
    "customer: my social is {ssn:correct}",
    "c: account number {ukacc:correct}\na: and the sort code\nc: {sort}",
    "customer: the account number is {usacc}\nagent: i'll read that back {usacc:again}\ncustomer: that's it",
    "caller: oh now let me find my glasses the number on the card is um {card:head}\nagent: take your time\ncaller: {card:tail}",
    # spelling and names
    "agent: could you spell the surname\ncustomer: {spell:phonetic}\nagent: thank you {first}",
    "customer: it's {last} {spell:doubles}",
    "customer: {name:rev} that's my full name family name first",
    "agent: is that mister or missus\ncustomer: missus {last:f}",
    "customer: my husband's {first:p2:m} he's the one who set it up",
    "customer: first name {first} {spell:first}",
    "customer: the surname is {last} {spell:phonetic}",
    "[[-TIME/timestamp:00:00:14]] agent: thanks for calling you're through to {agent}\n[[-TIME/timestamp:00:00:19]] customer: hi yeah it's {first} {last} i'm ringing about the {-amountw} you took",
    # older customers
    "caller: hello is that the bank hello yes it's {name:titlefull} speaking i'm ringing about a letter i had on {-date}",
    "caller: my date of birth is {dob} i'm getting on a bit now dear",
    "caller: well my late husband {name:p2:m} always did the bills and now i can't find the account number it might be {ukacc}",
    "caller: now i've written it down somewhere the sort code is {sort} and the number is {ukacc} there",
    # non-native English
    "customer: my name is {name} i am calling from {-place} for my card please it is blocked",
    "customer: yes madam my mobile number is {phone:in} and my email id is {email}",
    "customer: the account it is on the name of my husband {name:p2:m}",
    "customer: i am living in {address} since {-year}",
    # angry
    "customer: i have been on hold for {-duration} this is absolutely ridiculous my account number is {custno} and i want it sorted now",
    "customer: no you listen to me i've given my date of birth {dob} three times already",
    "customer: i'll [[-ORDINARY_WORD/sue:sue]] you i swear my name is {name} write it down",
    # verification
    "a: can you confirm the postcode\nc: {postcode:uk}\na: and the first line\nc: {street}",
    "agent: the security question is the name of your first car\ncustomer: {firstcar}",
    "agent: and your favourite film for security\ncustomer: oh {film}",
    "agent: what street did you grow up on\ncustomer: {childstreet}",
    "agent: which town were you born in\ncustomer: {birthtown}",
    "agent: and your mother's maiden name\ncustomer: {maiden}",
    "agent: and the name of your first pet\ncustomer: {pet}",
    "customer: the school i went to first, that was {school}",
    "customer: so the password is {password:spelled}",
    "customer: it's {password} all one word",
    "agent: could i have the third and sixth letters of your memorable word\ncustomer: {memchars}",
    "customer: er the memorable word... {memword}, that's the one",
    # national ids
    "customer: my nhs number is {nhs}",
    "customer: the pps number is {ppsn}",
    "customer: uh my tax file number {tfn}",
    "customer: social insurance number is {sin}",
    "customer: the national insurance is {nino}",
    "customer: cpf {cpf}",
    "customer: my id number {zaid}",
    "customer: personnummer {persnr}",
    "customer: the pesel is {pesel}",
    "customer: my nif {nif}",
    "customer: the national number is {benn}",
    # bank details
    "customer: transit number {catransit} and account {caacc}",
    "customer: the account is {nzacc}",
    "customer: ifsc code {ifsc} account number {inacc}",
    "customer: routing {routing} account {usacc}",
    "customer: bsb {bsb} account {auacc}",
    "customer: the iban {um}{iban}",
    "agent: and the iban please\ncustomer: {iban}\nagent: i'll read it back {iban:again}",
    "customer: it's a swiss account {iban:ch}",
    "customer: the member number is {custno}",
    "agent: have you got your policy number handy\ncustomer: yeah it's {custno}",
    "customer: frequent flyer number {custno}",
    "customer: my student number is {custno} if that helps",
    # e-mail and phones
    "customer: the email is {email}",
    "customer: it's {email} all lower case",
    "customer: my work email {email:work}",
    "customer: shall i spell the email {email:spelled}",
    "customer: you can reach me on {phone:ie}",
    "customer: my number in lagos is {phone:ng}",
    "customer: it's a manila number {phone:ph}",
    "customer: the number is {phone:za}",
    "customer: call me on {phone:se} or {phone:at}",
    "customer: my belgian mobile {phone:be}",
    # addresses
    "customer: i live at {address}",
    "customer: the address is {address:landmark}",
    "customer: it's {address:block}",
    "customer: my postcode's {postcode:uk} no sorry that's my old one it's {postcode:uk}",
    "customer: send it to {address:po-box}",
    "customer: it's {address:flat-prefix} top floor",
    "customer: we moved to {address:nz} last month",
    # dates of birth
    "customer: i was born {dob}",
    "customer: d o b {dob}",
    "customer: birthday's {dob} not that you lot ever send a card",
    "agent: and your date of birth\ncustomer: {um}{dob}",
    "agent: date of birth\ncaller: {dob}\nagent: {dob:again} thank you",
    "customer: she was born {dob:p2:f} she's my mum",
    # look-alikes
    "customer: the excess is {-amountw} under {-clause}",
    "customer: it was on {-holiday} that it broke",
    "customer: i'm on {-version} on the phone",
    "customer: we stayed in {-place} near the {-brand}",
    "customer: there's a [[-ORDINARY_WORD/cliff:cliff]] edge on the payments after {-date}",
    "customer: it's [[-ORDINARY_WORD/june:june]] now and i paid in [[-ORDINARY_WORD/april:april]]",
    "agent: can i take a reference\ncustomer: {-ref}",
    "customer: the flight was {-flight} on {-date}",
    "customer: the order is {-order} and tracking {-tracking}",
    "customer: invoice {-invoice} for {-amount}",
    "agent: is that the card ending {-last4}\ncustomer: yes",
    "customer: i ordered {-qty} from {-brand} and got {-qty}",
    "customer: they quoted {-percent} for {-duration}",
    "customer: i was in {-place} and then {-place} and the card didn't work in either",
    "customer: it says {-error} on the screen",
    "customer: [[-ORDINARY_WORD/honey:honey]] i'm on the phone to the bank ... sorry about that",
    "customer: i bought it at {-pbrand} on {-date} for {-amountw}",
]
FRAMES = {"chat": CHAT, "sms": SMS, "email": EMAIL, "social": SOCIAL, "transcript": TRANSCRIPT}

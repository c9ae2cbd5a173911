"""Frames and pools of the TEST split (the reported one).

Nobody tunes a recogniser on this split: the developer of the recognisers never opens, greps or
prints this file or ``test.jsonl``. Its frames, carriers and pools share nothing with ``dev.py``
(different sentences, different categories and rows of the carrier data sets, different names,
streets, towns, brands, passwords). See ``../README.md``.
"""

SEED = 170_017
REPEAT = {"chat": 3, "sms": 3, "email": 3, "social": 3, "transcript": 3}

# ---- people --------------------------------------------------------------------------------
FIRST_NAMES = {
    "m": ["James", "Oliver", "Will", "Mark", "Bill", "Frank", "David", "Mohammed", "Raj", "Tomasz", "Jean-Luc",
          "Giuseppe", "Björn", "Chidi", "Kenji", "Diego", "Liam", "Connor", "Dmitri", "Arjun", "Patrick", "Gareth",
          "Hamish", "Callum", "Ahmed", "Kwabena", "Thiago", "Florian", "Matteo", "Sipho", "Ravi", "Hunter",
          "Chase", "Rich", "Pat", "Grant", "Dean", "Wei", "Sven", "Ibrahim", "Marcus", "Daniel", "Joe", "Ben",
          "Aaron", "Samuel", "Declan", "Cormac", "Luis", "Andrzej"],
    "f": ["Grace", "Rose", "Hope", "Joy", "Sarah", "Emma", "Priya", "Siobhán", "Aoife", "Fatima", "Katarzyna",
          "Yuki", "Ngozi", "Anaïs", "Chloe", "Megan", "Olivia", "Amelia", "Zainab", "Mei", "Ingrid", "Lucía",
          "Giulia", "Sophie", "Bethany", "Kirsty", "Hannah", "Faith", "Summer", "Sue", "Iris", "Violet",
          "Precious", "Lakshmi", "Agnieszka", "Marie-Claire", "Thandiwe", "Rachel", "Laura", "Jessica", "Lauren",
          "Natalie", "Charlotte", "Ruth", "Esther", "Nkechi", "Sinéad", "Farah", "Elif", "Shreya"],
}
SURNAMES = ["Smith", "Patel", "O'Brien", "Nguyen", "Okonkwo", "Kowalski", "García-López", "Müller", "Rossi",
            "van der Berg", "McAllister", "Baker", "Cook", "Hunter", "Field", "Brown", "Wilson", "Thompson", "Khan",
            "Chaudhry", "Adeyemi", "Lindqvist", "Esposito", "Moreau", "Tanaka", "Volkov", "Fitzgerald", "Ferreira",
            "Dubois", "Schäfer", "Jankowski", "Hughes", "Evans", "Reid", "Morgan", "Walsh", "Bianchi", "Fernández",
            "de Jong", "Sharma", "Iyer", "Wright", "Singh", "Turner", "Mason", "Carpenter", "Little", "Banks",
            "Hill", "Young", "Love", "Nwosu", "Rahman", "Hussain", "Lefebvre", "Kaczmarek", "Ó Súilleabháin",
            "Lam", "Ward", "Wood"]
WORD_NAMES = {"will", "mark", "bill", "frank", "hunter", "chase", "rich", "pat", "grant", "dean", "grace", "rose",
              "hope", "joy", "faith", "summer", "sue", "iris", "violet", "precious", "baker", "cook", "field", "brown",
              "banks", "hill", "young", "love", "little", "mason", "carpenter", "turner", "wood", "ward"}
NON_ENGLISH = {"Tomasz", "Jean-Luc", "Giuseppe", "Björn", "Chidi", "Kenji", "Diego", "Dmitri", "Arjun", "Kwabena",
               "Thiago", "Florian", "Matteo", "Sipho", "Wei", "Sven", "Ibrahim", "Andrzej", "Priya", "Siobhán", "Aoife",
               "Fatima", "Katarzyna", "Yuki", "Ngozi", "Anaïs", "Zainab", "Mei", "Ingrid", "Lucía", "Giulia",
               "Lakshmi", "Agnieszka", "Marie-Claire", "Thandiwe", "Nkechi", "Sinéad", "Farah", "Elif", "Shreya",
               "Patel", "Nguyen", "Okonkwo", "Kowalski", "García-López", "Müller", "Rossi", "van der Berg", "Khan",
               "Chaudhry", "Adeyemi", "Lindqvist", "Esposito", "Moreau", "Tanaka", "Volkov", "Ferreira", "Dubois",
               "Schäfer", "Jankowski", "Bianchi", "Fernández", "de Jong", "Sharma", "Iyer", "Singh", "Nwosu",
               "Rahman", "Hussain", "Lefebvre", "Kaczmarek", "Ó Súilleabháin", "Lam", "Mohammed", "Raj", "Ahmed",
               "Ravi", "Luis", "Cormac", "Declan"}
AGENTS = ["Sarah", "Jordan", "Mandeep", "Chris", "Leanne", "Tunde", "Graham", "Aisha", "Stacey", "Wes", "Ruby",
          "Callum", "Dev", "Hollie", "Nathan"]
EXTRA_GIVEN_NAMES = ["john", "mary", "mike", "jim", "bob", "tom", "anna", "jane", "alex", "sam", "lisa", "kate",
                     "paul", "steve", "dan", "emily", "jack", "harry", "lucy", "amy", "adam", "mia", "noah", "max",
                     "jenny", "tim", "nick", "matt", "kevin", "brian", "george", "peter", "susan", "karen", "linda",
                     "nancy", "betty", "helen", "carol", "ruth", "gary", "larry", "eric", "scott", "jason", "justin",
                     "ryan", "kyle", "josh", "andrew", "chris", "tony", "jerry", "jeff", "ann", "joan"]
PERSON_COUNTRIES = ["uk", "us", "uk", "fr", "de", "uk", "in", "au", "us", "es", "it", "nl", "uk", "ca", "ie"]

# ---- phones, e-mail -----------------------------------------------------------------------------
PHONE_COUNTRIES = ["uk", "us", "fr", "uk", "de", "es", "in", "uk", "it", "nl", "au", "us", "ca", "uk", "fr", "de",
                   "in", "au"]
NANP_AREAS = {"us": ["212", "415", "312", "617", "512", "303", "919", "702", "646", "213", "404", "971"],
              "ca": ["416", "604", "514", "403", "613"]}
EMAIL_DOMAINS = {"uk": ["gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk", "sky.com",
                        "icloud.com", "live.co.uk"],
                 "us": ["gmail.com", "yahoo.com", "aol.com", "outlook.com", "icloud.com", "comcast.net"],
                 "ca": ["gmail.com", "rogers.com", "shaw.ca"], "ie": ["gmail.com", "eircom.net"],
                 "fr": ["orange.fr", "free.fr", "gmail.com", "laposte.net"], "de": ["web.de", "gmx.de", "t-online.de"],
                 "es": ["telefonica.net", "gmail.com", "hotmail.es"], "it": ["libero.it", "tiscali.it", "gmail.com"],
                 "nl": ["ziggo.nl", "kpnmail.nl", "gmail.com"], "in": ["yahoo.co.in", "rediffmail.com", "gmail.com"],
                 "au": ["bigpond.com", "optusnet.com.au", "gmail.com"]}
WORK_DOMAINS = ["harbourfreight-logistics.co.uk", "mail.brightwater.com", "ops.kestrelhealth.org",
                "stjudes-school.org.uk", "finance.orion-group.de"]
PLUS_TAGS = ["shopping", "bank", "amazon", "news", "bills", "returns"]

# ---- cards, banks --------------------------------------------------------------------------------
CARD_BRANDS = ["visa", "mastercard", "amex", "visa", "discover", "mastercard", "maestro", "visa19"]
GB_BANKS = ["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA"]
IBAN_COUNTRIES = ["gb", "de", "fr", "es", "it", "nl", "gb", "ie", "be", "de", "fr"]

# ---- places ----------------------------------------------------------------------------------------
UK_TOWNS = [("Leeds", "LS"), ("Bristol", "BS"), ("Cardiff", "CF"), ("Glasgow", "G"), ("Norwich", "NR"),
            ("Sheffield", "S"), ("York", "YO"), ("Brighton", "BN"), ("Leicester", "LE"), ("Aberdeen", "AB"),
            ("Swansea", "SA"), ("Exeter", "EX"), ("London", "SE"), ("London", "N")]
UK_STREETS = ["High Street", "Church Road", "Station Road", "Victoria Road", "Mill Lane", "The Green",
              "Park Avenue", "Queens Road", "Kings Road", "Orchard Close", "Meadow Way", "Elm Grove",
              "St John's Road", "Windsor Drive", "Castle Street", "Brook Lane", "Sandringham Gardens"]
BUILDINGS = ["Riverside Court", "Marlowe House", "Sai Residency", "Kingfisher Point", "Alder Heights"]
HOUSE_NAMES = ["Rose Cottage", "The Old Rectory", "Ivy House", "Orchard View", "Hillcrest", "The Willows",
               "Meadowbank", "Yew Tree Farm", "Corner Cottage"]
VILLAGES = ["Little Haddon", "Upper Slaughter", "Great Ayton", "Long Compton", "Nether Wallop"]
US_CITIES = [("Springfield", "IL", "627"), ("Austin", "TX", "787"), ("Portland", "OR", "972"),
             ("Columbus", "OH", "432"), ("Denver", "CO", "802"), ("Raleigh", "NC", "276"),
             ("Brooklyn", "NY", "112"), ("San Diego", "CA", "921")]
CA_CITIES = [("Toronto", "ON", "M"), ("Ottawa", "ON", "K"), ("Calgary", "AB", "T")]
US_STREETS = ["Main Street", "Maple Avenue", "Oak St", "Elm Street", "N 5th Ave", "Lakeview Drive",
              "Cedar Lane", "Washington Blvd", "Sunset Rd"]
FR_CITIES = [("Paris", "75"), ("Lyon", "69"), ("Lille", "59")]
FR_STREETS = ["rue des Lilas", "avenue Jean Jaurès", "boulevard Voltaire", "rue de la République", "impasse des Pins"]
DE_CITIES = [("Berlin", "10"), ("München", "80"), ("Leipzig", "04")]
DE_STREETS = ["Lindenstraße", "Hauptstr.", "Goethestraße", "Am Markt", "Bahnhofstraße"]
ES_CITIES = [("Madrid", "28"), ("Sevilla", "41")]
ES_STREETS = ["Calle Mayor", "Calle de Alcalá", "Avenida de la Constitución", "C/ Sierpes"]
IT_CITIES = [("Roma", "001"), ("Torino", "101")]
IT_STREETS = ["Via Roma", "Via Garibaldi", "Corso Vittorio Emanuele II", "Piazza Navona"]
NL_CITIES = [("Amsterdam", "10"), ("Den Haag", "25")]
NL_STREETS = ["Keizersgracht", "Prinsengracht", "Laan van Meerdervoort", "Damrak"]
AU_SUBURBS = [("Fitzroy", "VIC", "3065"), ("Surry Hills", "NSW", "2010"), ("Fortitude Valley", "QLD", "4006")]
AU_STREETS = ["Smith St", "George Street", "Brunswick St", "Oxford Street"]
IN_CITIES = [("Bengaluru", "560"), ("Mumbai", "400")]
IN_STREETS = ["MG Road", "12th Main Road, Indiranagar", "Linking Road, Bandra West", "Sector 15"]
IN_HOUSE_NAMES = ["Lakshmi Nivas", "Shanti Kunj", "Sai Krupa"]
IE_TOWNS = [("Dublin 4", "D04"), ("Galway", "H91"), ("Cork", "T12")]
ADDRESS_COUNTRIES = ["uk", "us", "uk", "fr", "de", "uk", "au", "us", "es", "it", "nl", "in", "uk", "ca", "ie"]

# ---- customer numbers, secrets ---------------------------------------------------------------------
CUSTNO_PREFIXES = ["POL", "MBR", "CUS", "LYL", "HX", "AC", "PN"]
EASY_PINS = ["1234", "0000", "1111", "2580", "1212", "6969"]
PASSWORDS = ["Sunshine2024!", "chelsea1905", "Fluffy#88", "qwerty123!", "Manchester99", "p4ssw0rd", "Dragon_77",
             "ilovemycat", "Summer2019", "trustno1", "Bella&Max22", "letmein2023"]
MAIDEN_NAMES = ["O'Connor", "Henderson", "Kapoor", "Nowak", "Delgado", "Whitfield", "Ferrante", "Achebe"]
PET_NAMES = ["Biscuit", "Buster", "Luna", "Rocky", "Pepper", "Mr Whiskers", "Toffee", "Bruno"]
SCHOOLS = ["St Mary's", "Oakwood Primary", "Hillside Juniors", "Our Lady of Lourdes", "Greenfield"]
MEMORABLE_WORDS = ["pineapple", "lighthouse", "marmalade", "velvet", "kangaroo", "thunder"]
BIRTH_TOWNS = ["Wolverhampton", "Dundee", "Lagos", "Karachi", "Gdansk", "Cork"]

# ---- look-alikes (hard negatives) ------------------------------------------------------------------
ORDER_FORMS = ["amazon", "hash", "alnum", "digits", "abcd", "hash", "amazon"]
ORDER_PREFIXES = ["ORD-", "WEB", "A-", "SO"]
REF_FORMS = ["case", "pnr", "ticket", "rma", "case"]
PRODUCTS = ["KDL-55X8500", "iPhone 15 Pro", "SKU 883-221-09", "Galaxy S23", "TL-WR841N", "B07XJ8C8F5",
            "XPS 13 9310", "WH-1000XM4", "model 6ES7 214-1AG40", "part no. 4417-22B", "PS5", "Hive 2"]
UNITS = ["boxes", "items", "GB", "parcels", "bags", "pairs", "tickets", "kg", "bottles", "months"]
BRANDS = ["Marks & Spencer", "Ben & Jerry's", "Wells Fargo", "Sainsbury's", "McDonald's", "Dr. Martens", "Dell",
          "Ford", "Chase", "Boots", "Argos", "Halifax"]
# Brands named after people: used only where a reader sees a shop or a product, not a person.
PERSON_BRANDS = ["John Lewis", "Ted Baker", "Tommy Hilfiger", "Ralph Lauren", "Calvin Klein", "Harvey Nichols",
                 "Jack Daniel's", "Morgan Stanley"]
PLACES = ["London", "Manchester airport", "Paris", "Victoria station", "Florence", "Sydney", "Chester",
          "Jackson", "Austin", "Washington", "Madison", "Charlotte", "Lincoln", "Regent Street", "Heathrow",
          "Orlando", "Santiago", "Adelaide", "Victoria", "Kingston"]
AIRLINES = ["BA", "FR", "EZY", "UA", "AF", "LH", "EK", "AA", "KL", "VS"]
ERROR_CODES = ["error 0x80070005", "E-404", "code 502", "ERR_CONNECTION_RESET", "error 3014"]
VERSIONS = ["iOS 17.2", "Android 14", "v3.12.1", "Windows 11", "version 8.4"]

# ---- carriers: real sentences from ../shared/data ----------------------------------------------------
# banking77: categories whose index is not a multiple of 3 (dev takes the multiples of 3);
# clinc150: the intents in TEST_INTENTS; uci_sentiment: even Yelp rows.
TEST_INTENTS = {"bill_balance", "bill_due", "pay_bill", "freeze_account", "report_fraud", "transactions",
                "interest_rate", "pin_change", "card_declined", "credit_limit", "damaged_card", "new_card",
                "report_lost_card", "rewards_balance", "international_fees", "lost_luggage", "flight_status",
                "order_status", "insurance_change", "car_rental", "account_blocked", "direct_deposit"}
CARRIER_SOURCES = {
    "banking77": lambda index, category: index % 3 != 0,
    "clinc150": lambda intent: intent in TEST_INTENTS,
    "uci_sentiment": lambda row, label: row % 2 == 0,
}
CARRIER_FRAMES = [
    ("banking77", "chat", "{carrier} my card number is {card}", 16),
    ("banking77", "chat", "{carrier} this is {name} btw", 16),
    ("banking77", "chat", "hi {carrier} acc holder is {name}, dob {dob}", 14),
    ("banking77", "email", "Hello,\n\n{carrier}\n\nRegards,\n{name}\n{phone}", 14),
    ("banking77", "email", "Hi team,\n\n{carrier} The payment was {-amount} on {-date}.\n\nThanks\n{first}\n\nSent from my [[-BRAND/brand:iPhone]]", 12),
    ("banking77", "transcript", "customer: {um}{carrier} um my name's {name} and my date of birth is {dob}", 16),
    ("banking77", "transcript", "agent: can i take your postcode\ncustomer: {postcode:uk}\nagent: thank you and how can i help today\ncustomer: {um}{carrier}", 14),
    ("banking77", "sms", "{carrier} sort code {sort} acc {ukacc}", 10),
    ("banking77", "social", "[[-BRAND/handle:@NorthgateBankHelp]] {carrier} dm me on {phone} thanks", 10),
    ("clinc150", "transcript", "customer: {carrier} my policy number is {custno}", 12),
    ("clinc150", "transcript", "customer: {um}{carrier} and uh my social is {ssn}", 10),
    ("clinc150", "transcript", "agent: you're through to {agent} how can i help\ncustomer: hi {carrier}", 12),
    ("clinc150", "sms", "{carrier} - {first}", 12),
    ("clinc150", "chat", "{carrier} my email is {email}", 12),
    ("clinc150", "chat", "{carrier}? order {-order}", 10),
    ("uci_sentiment", "social", "{carrier} Order {-order}. Call me on {phone}", 12),
    ("uci_sentiment", "social", "{carrier} - {name}, visiting from {-place}", 12),
    ("uci_sentiment", "email", "Subject: my visit on {-date}\n\n{carrier}\n\n{name}\n{email}", 12),
    ("uci_sentiment", "social", "{carrier} (the [[-PLACE/place:Leeds]] one, {-date})", 10),
]
ABCD_DIALOGUES = [0]
ABCD_SLOTS = {"<username>": "{custno:username}", "<email>": "{email}", "<order_id>": "{-order:abcd}",
              "<phone>": "{phone:us:parens}"}
ABCD_REPEAT = 4

# ---- hand-written frames ---------------------------------------------------------------------------------
CHAT = [
    "hi my name is {name} and i cant log into my account since {-date} 😩",
    "hey its {first} again, did u get my email? its {email}",
    "can u call me back on {phone} pls, after {-time} is best",
    "my card no is {card} and it was charged twice for order {-order}",
    "Hi, I'm {name}. My DOB is {dob} and my postcode is {postcode:uk}",
    "yes thats right, {address} is my current address",
    "moved house last month, new address is {address} can u update it",
    "the parcel {-tracking} never came, it was meant to go to {address}",
    "sort code {sort} acc no {ukacc}, refund should go there pls",
    "my iban is {iban} for the refund of {-amount}",
    "pls send the refund to {iban} thx",
    "account holder {name}, iban {iban}",
    "my ssn is {ssn} and dob {dob:us}",
    "ni number is {nino} i think, its on my payslip",
    "I was born on {dob} if that helps",
    "bday is {dob} lol",
    "it's {name} here, policy number {custno}",
    "membership no. {custno} — the app says it doesnt exist??",
    "my pin is {pin}, is that safe to tell u? 😅",
    "password is {password} but it keeps saying incorrect",
    "the one time code was {otp} but it expired",
    "I'm trying to pay {-amount} with my card ending {-last4} and it's declined",
    "Order {-order} was supposed to arrive {-date}, can I get an update?",
    "[[-ORDINARY_WORD/will:will]] the refund go back on the card i used? it was {-amount}",
    "i [[-ORDINARY_WORD/may:may]] need to change my flight {-flight} on {-date}",
    "Can you [[-ORDINARY_WORD/mark:mark]] complaint {-ref} as urgent please",
    "the [[-ORDINARY_WORD/bill:bill]] for {-date} is {-amount} but I only used {-qty}",
    "bought a [[-ORDINARY_WORD/rose:rose]] gold {-product} from {-pbrand}, it stopped working after {-duration}",
    "my husband {name:p2} is also on the account, his mobile is {phone}",
    "{first} here 👋 quick q, can i change the email on my acc to {email}",
    "thx {agent} ur a star ⭐",
    "ok so its {spell} for the surname",
    "i live at {address}, the buzzer is broken so pls ring {phone}",
    "cust id {custno}",
    "mothers maiden name is {maiden}",
    "first pet was {pet} 🐶",
    "The letter was addressed to {name:title} but she moved out years ago",
    "my email is {email:plus-tag} btw, i use + addresses for every shop",
    "invoice {-invoice} shows {-amount}, i was quoted {-amount}",
    "ticket {-ref} - still no reply after {-duration}",
    "the {-brand} app shows {-error} on {-version}",
    "flight {-flight} from {-place} was cancelled and i got rebooked on {-flight}",
    "my booking ref is {-ref}, departing {-date} at {-time}",
    "the charge of {-amount} on {-date} isnt mine!! card ending {-last4}",
    "can I pick it up from the store in {-place} instead",
    "ordered a [[-ORDINARY_WORD/birthday:birthday]] cake on {-date} for collection at {-time}, where is it",
    "is there a [[-ORDINARY_WORD/grace:grace]] period if i pay on {-date}",
    "i [[-ORDINARY_WORD/hope:hope]] this gets sorted before {-date}",
    "to be [[-ORDINARY_WORD/frank:frank]] this is the worst service ive had",
    "oh what a [[-ORDINARY_WORD/joy:joy]], another {-duration} on hold",
    "[[-ORDINARY_WORD/summer:summer]] sale order {-order} still not shipped",
    "the new [[-ORDINARY_WORD/bill:bill]] just came through and its {-amount} more than last month",
    "its in my wifes name, {name:p2}, but im on the account too",
    "Hi I'm {first} {last} and I want to close my account",
    "NAME: {name} / DOB: {dob} / POSTCODE: {postcode:uk}",
    "yep, {dob} is my date of birth",
    "date of birth {dob} and surname {last}",
    "can i add my son {first:p2} as an authorised user",
    "pls dont call {phone}, thats my work number, use {phone} instead",
    "so sorry i gave the wrong card, the right one is {card}",
    "I have a joint account with {name:p2} and we both got locked out",
    "hey!! its me {first} 😂 did the transfer go thru? {-amount} to my {-brand} account",
    "name's {name}, you can reach me on {phone} or {email}",
    "i got a text saying my card {card} was used in {-place}?? wasnt me",
    "routing {routing} account {usacc}",
    "my aadhaar is {aadhaar}, do you need the pan too?",
    "dni {dni}",
    "my BSN is {bsn}",
    "numéro de sécu: {nir}",
    "SIN {sin} for the tax form",
    "can you confirm you have {address} as my billing address",
    "send the new card to {address} not the old one",
    "i'm {first}, born {dob}, and i've lost my card 😭",
    "the {-pbrand} voucher code didnt work",
    "is the store on {-place} still open? need to return {-qty}",
    "my security answer is {school}",
    "memorable word: {memword}",
    "bsb {bsb} account {auacc}",
    "it keeps asking for the cvv, its {cvv} but it wont take it",
    "{-qty} arrived but order {-order} said {-qty}",
    "card number {card} do u need the expiry too",
    "here's the card: {card}",
    "use {card} for the payment pls, the old one is cancelled",
    "{card} <- that's the one that got charged",
    "I've been charged {-amount} twice on {card}",
    "my new card is {card} can u update the direct debit",
    "card {card}, name on card {name}",
    "iban: {iban}",
    "can u send it to {iban} please, its my german account",
    "refund to {iban} thanks!!",
    "{iban} is the account for the refund",
    "sort code is {sort} and account {ukacc}",
    "acct no {ukacc} / sc {sort}",
    "can u pay it into {sort} {ukacc}",
    "my account number {ukacc} keeps getting rejected on the form",
    "direct deposit: routing {routing} acct {usacc}",
    "ssn {ssn}",
    "my social is {ssn}",
    "last time i gave my social {ssn} and nothing happened",
    "NI: {nino}",
    "do you need my national insurance number? its {nino}",
    "my SIN is {sin}",
    "NIE {dni}",
    "loyalty card number {custno}",
    "my frequent flyer number is {custno}, the miles didnt go on",
    "policy no {custno}",
    "account id {custno}",
    "security word is {memword}",
    "passcode {pin}",
    "the answer is {birthtown}, thats where i was born",
    "hi, {name}, {dob}, {address}",
    "Full name: {name}\nDOB: {dob}\nMobile: {phone}",
    "Call me? {phone:fr}",
    "my german number is {phone:de}, im there till {-date}",
    "you can whatsapp me on {phone:in}",
    "aus mobile {phone:au}",
    "im in spain atm, {phone:es}",
    "{phone:it} is my italian number",
    "my dutch number {phone:nl}",
    "{first} here, dob {dob}, card ending {-last4}",
    "{name} / {email} / {phone}",
    "my email changed to {email}, old one was {email:p2}",
    "it's {email}",
    "postcode {postcode:uk}",
    "zip is {postcode:us}",
    "do you deliver to {address}?",
    "the DOB box on your form won't accept anything, tried on {-date} and again {-date}",
    "birthday voucher expired on {-date}?? it says valid for {-duration}",
    "deliver to {address:house-name} please, the house has no number",
    "my address is {address:flat-prefix}",
    "the flat is {address:flat-prefix}, top floor",
    "send post to {address:po-box} as i'm never home",
    "hi this is {name:title}, i spoke to {agent} yesterday",
    "where is my parcel?? tracking {-tracking} says out for delivery since {-date}",
    "the {-product} ({-product}) was {-amount} on your site but {-amount} at the till",
    "got charged {-percent} on the transfer, invoice {-invoice}",
    "returned {-qty} under {-ref}, still no refund",
    "i'm at {address} now, moved from {-place} last year",
]
SMS = [
    "pls call me on {phone} re acc",
    "Hi its {first}, my new no is {phone}",
    "is {otp} my code? i didnt request it",
    "can u send the form to {email} ta",
    "running late for the {-time} appt sorry, {first}",
    "yes pls deliver to {address}",
    "ref {-ref} still not sorted 😡",
    "ok {agent} thx, dob is {dob}",
    "Your parcel {-tracking} is due {-date} between {-time} and {-time}. Reply STOP to opt out",
    "this is {name}, policy {custno}, claim ref {-ref}",
    "Reminder: your appointment is on {-date} at {-time}. Call us if you need to change it",
    "{name} {dob} {postcode:uk}",
    "ring me on {phone:uk} after work",
    "cheers {first}",
    "will do, thx [[-ORDINARY_WORD/will:will]] call tmrw",
    "new email {email}",
    "pin {pin:easy} didnt work",
    "you have been charged {-amount} for order {-order}. Not you? Reply NO",
    "got it, paid {-amount} on {-date}",
    "Hi mum its {first}, this is my new number {phone} save it",
    "my ni no {nino}",
    "card {card} blocked?? pls help",
    "{-qty} still missing from {-order}",
    "sorry wrong number",
    "new card {card}",
    "IBAN {iban} ta",
    "sc {sort} acc {ukacc}",
    "my social {ssn}",
    "membership {custno}",
    "Hi its {name}, dob {dob}",
]
EMAIL = [
    "Hi,\n\nI'm writing about order {-order}. It arrived damaged on {-date}.\n\nPlease send a replacement to {address}.\n\nThanks,\n{name}\n{phone}",
    "Dear Sir/Madam,\n\nPlease update my contact details. My new email is {email} and my mobile is {phone}.\n\nKind regards\n{name}\nCustomer number: {custno}",
    "Hello,\n\nYour records have my date of birth wrong. It should be {dob}. I noticed when I logged in on {-date}.\n\n{name}",
    "Hi,\n\nPlease pay the refund into:\nAccount name: {name}\nSort code: {sort}\nAccount number: {ukacc}\n\nThanks",
    "Good morning,\n\nPlease transfer the deposit to my account:\nIBAN: {iban}\nBIC: [[-BANK_CODE/bic:COBADEFFXXX]]\nName: {name}\n\nBest regards",
    "Hi {agent},\n\nThanks for your help on the phone today. As discussed, my SSN is {ssn} and my date of birth is {dob:us}.\n\n{first}",
    "To whom it may concern,\n\nI am writing on behalf of my mother, {name:p2}, DOB {dob:p2}, who has been charged {-amount} twice.\n\nYours faithfully,\n{name}",
    "Hello,\n\nInvoice {-invoice} dated {-date} shows {-amount} but the quote was {-amount}. Can you check?\n\nRegards,\n{name}\n--\n{address}\nTel: {phone}",
    "Hi there,\n\nI still haven't received my refund for ticket {-ref}. It has been {-duration}.\n\nThanks,\n{first}",
    "Dear team,\n\nMy policy number is {custno}. I would like to add my partner {name:p2} as a named driver from {-date}.\n\nMany thanks,\n{name}\n{email}",
    "Hello,\n\nI was told to email my NI number for the claim: {nino}.\n\nKind regards\n{name}",
    "Hi,\n\nFlight {-flight} on {-date} was delayed {-duration}. Booking reference {-ref}.\n\nPlease call me on {phone}.\n\n{name}",
    "Hi,\n\nWe'd like to change the delivery of order {-order} ({-qty}) to {-date}. Our address has not changed.\n\nThanks!",
    "Good afternoon,\n\nI have enclosed a copy of my passport. My date of birth is {dob} and my current address is {address}.\n\nYours sincerely,\n{name}",
    "Hi,\n\nSomeone used my card {card} at {-pbrand} on {-date} for {-amount}. I still have the card.\n\n{name}\n{phone}",
    "Hello,\n\nCould you please send the statement to {email}? The old address {email:p2} belongs to my ex-husband.\n\nThanks\n{first}",
    "Dear {agent},\n\nFurther to our call, my wife's details are: {name:p2}, born {dob:p2}.\n\nRegards,\n{name}",
    "Hi,\n\nthe app crashes with {-error} on {-version} every time I open it. Please fix.\n\nSent from my [[-BRAND/brand:Galaxy]]",
    "Hello,\n\nMy routing number is {routing} and my checking account number is {usacc}. Please set up the direct deposit.\n\n{name}\n{address}",
    "Hi,\n\nI'd like to cancel membership {custno} from {-date}.\n\nBest,\n{name}",
    "Dear Customer Services,\n\nI am {name:title}, and I am writing to complain about my experience at your {-place} store on {-date}.\n\n",
    "Hi,\n\nPlease can you send the replacement to my PO box: {address:po-box}\n\nThank you\n{name}",
    "Please charge the balance of {-amount} to my card {card}. The name on the card is {name}.",
    "Card: {card}\nCardholder: {name}\nBilling address: {address}",
    "Bank details for the refund:\nAccount holder: {name}\nIBAN: {iban}\n\nThanks",
    "Sehr geehrte Damen und Herren,\n\nbitte überweisen Sie den Betrag auf mein Konto {iban}.\n\nMit freundlichen Grüßen\n{name}",
    "Bonjour,\n\nVoici mon RIB : {iban}\nMon numéro : {phone:fr}\n\nCordialement,\n{name}",
    "Sort code: {sort}\nAccount no: {ukacc}\nName: {name}",
    "Hi,\n\nMy Social Security Number is {ssn} and my phone is {phone:us}.\n\nThanks,\n{name}",
    "Hello,\n\nmy loyalty number is {custno}, the points from order {-order} are missing.\n\n{first}",
    "Hi,\n\nI forgot my password. The old one was {password}. Please reset it.\n\n{name}",
    "Hello,\n\nPlease note my new email address: {email}\n\nMany thanks,\n{name}\n{address}",
    "Hello,\n\nAddress: {address:flat-prefix}\nPhone: {phone}\n\n{name}",
    "Dear {agent},\n\nWe have moved to {address:house-name}. Please update the policy {custno}.\n\nRegards,\n{name:title}",
]
SOCIAL = [
    "[[-BRAND/handle:@BTCare]] my number {phone} has had no dial tone since {-date}. this is ridiculous",
    "DM'd you my email {email}, still waiting [[-BRAND/handle:@AmazonHelp]]",
    "my name is {name} and you lot have charged me {-amount} for nothing [[-BRAND/handle:@VirginMedia]]",
    "shout out to {agent} at [[-BRAND/handle:@AskNationwide]] who sorted my mortgage 👏",
    "[[-BRAND/handle:@British_Airways]] flight {-flight} cancelled AGAIN. been at {-place} for {-duration}",
    "been waiting {-duration} for a refund on order {-order} 😤 #fail",
    "Can someone help, my account {custno} is locked and nobody replies",
    "{-brand} customer service is a joke. {-qty} ordered, {-qty} delivered",
    "thank u {agent} and {-brand} for sorting it so fast ❤️",
    "if anyone from [[-BRAND/handle:@EE]] reads this pls call me {phone}",
    "Happy [[-ORDINARY_WORD/may:May]] day everyone! sale ends {-date}",
    "{name} here. still no refund for {-order}. shameful",
    "my new address is {address} if the courier is reading this 🙄",
    "lost my wallet in {-place}, if found pls contact {email}",
    "ticket {-ref}, {-duration} and counting",
    "lol my bank just sent me a new card {card} hope nobody sees this",
    "[[-BRAND/handle:@HSBC_UK]] refund to {iban} please, still waiting since {-date}",
    "{name}, {email} — please get back to me",
]
TRANSCRIPT = [
    "agent: thank you for calling you're through to {agent} can i take your name please\ncustomer: yeah hi it's {name}\nagent: thanks and can you confirm your date of birth\ncustomer: {um}{dob}",
    "customer: um yeah my number is {phone} and uh the best time to call is after {-time}",
    "customer: my card number is {card} and the three digits on the back are {cvv}",
    "agent: can i take the first line of the address and the postcode\ncustomer: it's {street} and the postcode is {postcode:uk}",
    "customer: yeah so the email is {email} all lowercase",
    "customer: it's {name} that's {spell}",
    "agent: and your national insurance number please\ncustomer: {um}{nino}",
    "customer: my social is {ssn}",
    "customer: yeah the last payment was {-amount} on {-date} i think",
    "customer: i was born on {dob} so i'm not sure why it says i'm under eighteen",
    "customer: the pin is {pin}",
    "agent: for security what's your mother's maiden name\ncustomer: {maiden}",
    "agent: can you give me the second and fifth characters of your memorable word\ncustomer: uh {memchars}",
    "agent: is that the card ending {-last4}\ncustomer: no the other one the one ending {-last4}",
    "customer: i'm flying out on {-flight} on {-date} so i need it before then",
    "customer: the order number is {-order}",
    "customer: yeah it's um {-ref} the reference they gave me",
    "customer: i [[-ORDINARY_WORD/will:will]] be away so can you send it to my work address which is {address}",
    "customer: sort code {sort} account number {ukacc}",
    "customer: routing number is {routing} and the account is {usacc}",
    "customer: the iban is {iban}",
    "customer: my policy number is {custno}",
    "customer: {um}i live at {address}",
    "customer: my number is oh seven sorry my new number is {phone}",
    "agent: can i just confirm the address we have is {address}\ncustomer: yes that's right",
    "customer: my wife {name:p2} she's the main account holder",
    "agent: you're speaking with {agent} today how can i help\ncustomer: hiya yeah i'm calling about the [[-ORDINARY_WORD/bill:bill]] i got {-date}",
    "customer: can you [[-ORDINARY_WORD/mark:mark]] it as paid i paid {-amount} yesterday",
    "customer: [[-ORDINARY_WORD/will:will]] it be there by {-date} because it's for a party",
    "agent: and your date of birth please\ncustomer: {dob}",
    "customer: d o b is {dob}",
    "customer: my birthday's {dob}",
    "customer: the account's under {name}",
    "customer: it's in my husband's name {name:p2}",
    "customer: could i speak to {agent} please she was helping me last week",
    "customer: uh yeah {first} {last} and the postcode is {postcode:uk}",
    "customer: the email is {email:spelled}",
    "customer: yeah it's {email} shall i spell it",
    "customer: my mobile's {phone}",
    "customer: you can call me on {phone} or {phone}",
    "customer: it's {phone} that's my landline",
    "customer: i think the card number is {card}",
    "customer: card number {card} expiry uh hang on",
    "customer: i um i was charged {-amount} at {-time} and then again at {-time}",
    "customer: i ordered {-qty} on {-date} and only got {-qty}",
    "customer: the tracking number is {-tracking}",
    "customer: i called on {-date} and spoke to someone called {first:p2}",
    "customer: yeah so my name is {first} um {last}",
    "agent: can i take your full name\ncustomer: {name}\nagent: and the first line of your address\ncustomer: {street}",
    "customer: my security answer is {pet} it was my first dog",
    "customer: the password is {password}",
    "customer: the code they sent me is {otp}",
    "customer: it's {custno} the membership number",
    "customer: i'm at {address} it's the house on the corner",
    "customer: my ni number is {nino}",
    "customer: the social security number is {ssn} and my date of birth is {dob:us}",
    "agent: is there anything else i can help with\ncustomer: no that's all thanks {agent}",
    "customer: yeah the [[-ORDINARY_WORD/bill:bill]] says {-amount} but it's normally about {-amount}",
    "customer: i [[-ORDINARY_WORD/may:may]] have put the wrong flight number it's {-flight}",
    "customer: the [[-ORDINARY_WORD/rose:rose]] bush i ordered from the {-pbrand} website arrived dead",
    "customer: we were in {-place} on holiday and the card stopped working",
    "customer: it keeps saying {-error} when i log in",
    "customer: my pin is {pin:easy} i know i know",
    "customer: born {dob}",
    "agent: and your postcode\ncustomer: {postcode:uk}\nagent: and the house number\ncustomer: {um}it's {street}",
    "customer: yeah um it's {name} and my date of birth is {dob} and the postcode is {postcode:uk}",
    "customer: it's {name:title} actually",
    "customer: i live at {address} with my partner {first:p2}",
    "customer: the bsb is {bsb} and the account number is {auacc}",
    "customer: my aadhaar number is {aadhaar}",
    "customer: they charged me {-percent} interest on {-amount}",
    "customer: it was about {-duration} ago on {-date}",
    "customer: it's my birthday today so i want this sorted before the payment goes out on {-date}",
    "customer: okay the card number is {card} and it's in my name {name}",
    "customer: yeah um {card}",
    "agent: can you read me the long number across the front of the card\ncustomer: {um}{card}",
    "customer: it's a credit card {card}",
    "customer: so that's {card} did you get that",
    "customer: the iban is {iban} did you get that",
    "customer: so it's {iban}",
    "agent: can you read out the iban for me\ncustomer: {iban}",
    "customer: account number is {ukacc}",
    "customer: sort code {sort}",
    "customer: the routing number's {routing}",
    "customer: social security number {ssn}",
    "customer: it's {nino} my national insurance",
    "customer: my sin number is {sin}",
    "agent: i'll need your social security number to verify\ncustomer: sure it's {ssn}",
    "customer: my membership number is {custno}",
    "customer: uh loyalty card number {custno}",
    "customer: the policy number um {custno}",
    "agent: and the town you were born in for security\ncustomer: {birthtown}",
    "customer: first school was {school}",
    "customer: my passcode is {pin}",
    "customer: the number i'm calling from is {phone}",
    "customer: i'm in france at the moment so it's {phone:fr}",
    "customer: my indian number is {phone:in}",
    "customer: the email's {email} but i don't check it much",
    "customer: yeah it's {email:spelled} at the end",
    "customer: my postcode is {postcode:uk}",
    "customer: zip code {postcode:us}",
    "customer: it's {address} near the park",
    "customer: {um}i'm {name} born {dob}",
    "agent: can i take your date of birth\ncustomer: yeah it's {dob}",
    "customer: date of birth is {dob} and my first name is {first}",
    "agent: hi {first} how can i help\ncustomer: {um}hi i wanted to check a payment of {-amount}",
    "customer: sorry it's {name} {spell}",
    "customer: it's {address:house-name} there's no number on the house",
    "customer: the address is {address:flat-prefix}",
    "customer: send it to {address:po-box} please",
    "agent: is that {name:title}\ncustomer: yes speaking",
]
FRAMES = {"chat": CHAT, "sms": SMS, "email": EMAIL, "social": SOCIAL, "transcript": TRANSCRIPT}

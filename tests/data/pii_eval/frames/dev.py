"""Frames and pools of the DEV split (the recogniser developer may read and tune on it).

Written apart from ``test.py``: different sentences, different categories and rows of the carrier
data sets, and disjoint pools of names, streets, towns, brands and passwords, so that tuning on
dev does not leak test. See ``../README.md``.
"""

SEED = 4_041_975
REPEAT = {"chat": 3, "sms": 3, "email": 3, "social": 3, "transcript": 3}

# ---- people --------------------------------------------------------------------------------
FIRST_NAMES = {
    "m": ["Jack", "Miles", "Robin", "Ray", "Art", "Sean", "Kwame", "Hiroshi", "Lars", "Mehmet", "Jürgen", "Tariq",
          "Pedro", "Ethan", "Noah", "George", "Harry", "Owen", "Rhys", "Luca", "Mateo", "Guy", "Victor", "Rocco",
          "Amit", "Oleksandr", "Emeka", "Xavier", "Angus", "Finley", "Neil", "Colin"],
    "f": ["May", "Dawn", "Holly", "Carol", "Penny", "Ivy", "Amber", "Gráinne", "Ana", "Ayesha", "Olga", "Mia",
          "Isla", "Ellie", "Nadia", "Leila", "Freya", "Poppy", "Zoe", "Jing", "Chiamaka", "Birgit", "Dolores",
          "Heather", "Tamsin", "Paige", "Rhiannon", "Nisha", "Małgorzata", "Ebony", "Crystal", "Autumn"],
}
SURNAMES = ["Jones", "Williams", "Taylor", "Ahmed", "Mensah", "Sousa", "Eriksen", "Siddiqui", "Sato", "Petrova",
            "Yilmaz", "Weber", "O'Sullivan", "MacKenzie", "Fischer", "Romano", "Martín", "Bakker", "Gupta", "Reddy",
            "Chen", "Walker", "Green", "King", "Price", "Bell", "Lopez", "Clarke", "Kaur", "Murphy", "Davies",
            "Lewis", "Fox", "Frost", "Sterling", "Nowicki", "Obi", "Haddad", "Ivanova", "Van Dijk", "Le Roux",
            "Santos", "Kim", "Moss", "Stone", "Marsh"]
WORD_NAMES = {"jack", "miles", "robin", "ray", "art", "guy", "victor", "may", "dawn", "holly", "carol", "penny",
              "ivy", "amber", "heather", "crystal", "autumn", "green", "king", "price", "bell", "fox", "frost",
              "sterling", "stone", "marsh", "moss", "walker"}
NON_ENGLISH = {"Kwame", "Hiroshi", "Lars", "Mehmet", "Jürgen", "Tariq", "Pedro", "Luca", "Mateo", "Rocco", "Amit",
               "Oleksandr", "Emeka", "Xavier", "Gráinne", "Ana", "Ayesha", "Olga", "Nadia", "Leila", "Jing",
               "Chiamaka", "Birgit", "Dolores", "Nisha", "Małgorzata", "Ahmed", "Mensah", "Sousa", "Eriksen",
               "Siddiqui", "Sato", "Petrova", "Yilmaz", "Weber", "Fischer", "Romano", "Martín", "Bakker", "Gupta",
               "Reddy", "Chen", "Lopez", "Kaur", "Nowicki", "Obi", "Haddad", "Ivanova", "Van Dijk", "Le Roux",
               "Santos", "Kim"}
AGENTS = ["Becky", "Imran", "Shona", "Kyle", "Danielle", "Femi", "Bethan", "Marco", "Jade", "Lewis"]
EXTRA_GIVEN_NAMES = ["john", "mary", "mike", "jim", "bob", "tom", "anna", "jane", "alex", "sam", "lisa", "kate",
                     "paul", "steve", "dan", "emily", "will", "bill", "lucy", "amy", "adam", "max", "jenny", "tim",
                     "nick", "matt", "kevin", "brian", "peter", "susan", "karen", "linda", "nancy", "betty", "helen",
                     "ruth", "gary", "larry", "eric", "scott", "jason", "justin", "ryan", "kyle", "josh", "andrew",
                     "chris", "tony", "jerry", "jeff", "ann", "joan", "mark", "grace", "rose", "sarah"]
PERSON_COUNTRIES = ["uk", "us", "de", "uk", "fr", "au", "in", "uk", "es", "us", "nl", "it", "ca", "ie"]

# ---- phones, e-mail -----------------------------------------------------------------------------
PHONE_COUNTRIES = ["uk", "us", "de", "fr", "uk", "it", "au", "in", "uk", "es", "nl", "us", "ca", "uk", "de", "au"]
NANP_AREAS = {"us": ["718", "305", "206", "602", "773", "214", "510", "857", "615"],
              "ca": ["647", "778", "438"]}
EMAIL_DOMAINS = {"uk": ["gmail.com", "hotmail.com", "yahoo.com", "virginmedia.com", "talktalk.net", "me.com",
                        "outlook.co.uk", "googlemail.com"],
                 "us": ["gmail.com", "hotmail.com", "verizon.net", "msn.com", "proton.me", "att.net"],
                 "ca": ["gmail.com", "sympatico.ca", "yahoo.ca"], "ie": ["hotmail.com", "iol.ie"],
                 "fr": ["wanadoo.fr", "sfr.fr", "hotmail.fr"], "de": ["gmx.net", "freenet.de", "posteo.de"],
                 "es": ["yahoo.es", "outlook.es"], "it": ["alice.it", "virgilio.it"],
                 "nl": ["hetnet.nl", "xs4all.nl", "hotmail.nl"], "in": ["gmail.com", "outlook.in"],
                 "au": ["iinet.net.au", "tpg.com.au", "hotmail.com.au"]}
WORK_DOMAINS = ["pennine-builders.co.uk", "corp.lumenfield.io", "staff.westmoor.ac.uk", "mail.tidewater-inc.com"]
PLUS_TAGS = ["ebay", "travel", "promo", "energy"]

# ---- cards, banks --------------------------------------------------------------------------------
CARD_BRANDS = ["mastercard", "visa", "amex", "maestro", "visa", "discover", "mastercard"]
GB_BANKS = ["BUKB", "SRLG", "MONZ", "CPBK", "TSBS", "NWBK"]
IBAN_COUNTRIES = ["de", "gb", "fr", "nl", "es", "it", "be", "gb", "ie"]

# ---- places ----------------------------------------------------------------------------------------
UK_TOWNS = [("Manchester", "M"), ("Liverpool", "L"), ("Birmingham", "B"), ("Nottingham", "NG"),
            ("Edinburgh", "EH"), ("Belfast", "BT"), ("Oxford", "OX"), ("Cambridge", "CB"), ("Reading", "RG"),
            ("Derby", "DE"), ("Hull", "HU"), ("Bath", "BA")]
UK_STREETS = ["Green Lane", "Manor Road", "School Lane", "New Road", "The Crescent", "Chapel Street",
              "Albert Road", "Grange Road", "Springfield Avenue", "Beech Close", "Lime Walk", "Harbour View"]
BUILDINGS = ["Canal Wharf", "Peel House", "Sunrise Apartments", "Mill Yard"]
HOUSE_NAMES = ["Bramble Cottage", "The Old Forge", "Holly Lodge", "Kingsmead", "Badgers Rest", "The Barn"]
VILLAGES = ["Much Wenlock", "Kirkby Lonsdale", "Chipping Ongar", "East Hendred"]
US_CITIES = [("Boston", "MA", "021"), ("Seattle", "WA", "981"), ("Chicago", "IL", "606"), ("Phoenix", "AZ", "850"),
             ("Atlanta", "GA", "303"), ("Miami", "FL", "331"), ("Nashville", "TN", "372")]
CA_CITIES = [("Vancouver", "BC", "V"), ("Montreal", "QC", "H")]
US_STREETS = ["Pine Street", "Broadway", "Highland Ave", "W 3rd St", "Riverside Dr", "Willow Court", "Market St"]
FR_CITIES = [("Marseille", "13"), ("Toulouse", "31"), ("Nantes", "44")]
FR_STREETS = ["rue Victor Hugo", "chemin des Vignes", "place Bellecour", "allée des Tilleuls"]
DE_CITIES = [("Hamburg", "20"), ("Köln", "50"), ("Dresden", "01")]
DE_STREETS = ["Schillerstraße", "Gartenweg", "Kirchplatz", "Friedrichstr."]
ES_CITIES = [("Barcelona", "08"), ("Valencia", "46")]
ES_STREETS = ["Carrer de Mallorca", "Calle Colón", "Paseo de Gracia"]
IT_CITIES = [("Milano", "201"), ("Napoli", "801")]
IT_STREETS = ["Via Dante", "Viale Monza", "Via Toledo"]
NL_CITIES = [("Rotterdam", "30"), ("Utrecht", "35")]
NL_STREETS = ["Coolsingel", "Oudegracht", "Witte de Withstraat"]
AU_SUBURBS = [("Paddington", "QLD", "4064"), ("Subiaco", "WA", "6008"), ("Glenelg", "SA", "5045")]
AU_STREETS = ["King William Rd", "Hay Street", "Given Terrace"]
IN_CITIES = [("New Delhi", "110"), ("Chennai", "600")]
IN_STREETS = ["Anna Salai", "Lajpat Nagar", "Connaught Place"]
IN_HOUSE_NAMES = ["Ganga Sadan", "Om Villa"]
IE_TOWNS = [("Limerick", "V94"), ("Dublin 8", "D08")]
ADDRESS_COUNTRIES = ["uk", "us", "de", "uk", "fr", "au", "uk", "nl", "it", "us", "es", "in", "ca", "ie"]

# ---- customer numbers, secrets ---------------------------------------------------------------------
CUSTNO_PREFIXES = ["CN", "MEM", "PL", "LC", "KX"]
EASY_PINS = ["4321", "9999", "1357", "2468"]
PASSWORDS = ["Password1", "liverpool4ever", "Bailey2019", "letmein!", "Jasmine_1990", "football123", "Tr0ub4dor",
             "HelloKitty7", "abc123abc", "Rangers#1"]
MAIDEN_NAMES = ["Gallagher", "Pemberton", "Okafor", "Lindgren", "Mancini", "Dobson"]
PET_NAMES = ["Max", "Bella", "Coco", "Alfie", "Nala", "Percy"]
SCHOOLS = ["Holy Cross", "Ashfield Infants", "King Edward's", "Westbrook"]
MEMORABLE_WORDS = ["butterfly", "avocado", "compass", "snowdrop", "galaxy"]
BIRTH_TOWNS = ["Preston", "Inverness", "Accra", "Lahore", "Porto"]

# ---- look-alikes (hard negatives) ------------------------------------------------------------------
ORDER_FORMS = ["digits", "hash", "amazon", "alnum", "abcd"]
ORDER_PREFIXES = ["ORDER-", "UK", "W", "EB"]
REF_FORMS = ["ticket", "case", "rma", "pnr"]
PRODUCTS = ["Pixel 8", "SKU 40-1187-3", "model HD-3100", "AirPods Pro 2", "EAN 5012345678900", "Kindle Paperwhite",
            "part 77-A102", "RTX 4070"]
UNITS = ["packs", "units", "cases", "litres", "MB", "rolls", "tins", "minutes of data"]
BRANDS = ["Wetherspoons", "Barclays", "Tesco", "Primark", "Nando's", "Greggs", "Currys", "Lloyds", "Morrisons",
          "Ryanair", "Lidl"]
# Brands named after people: used only where a reader sees a shop or a product, not a person.
PERSON_BRANDS = ["Paul Smith", "Jimmy Choo", "Peter Pan", "Mary Kay", "Martha Stewart"]
PLACES = ["Birmingham New Street", "Gatwick", "Madrid", "Berlin", "Dallas", "Vegas", "Georgia", "Devon", "Jersey",
          "Tyrone", "Camden", "Paddington", "Hollywood", "Salford"]
AIRLINES = ["U2", "W6", "DL", "IB", "QR", "SK", "TK", "AZ"]
ERROR_CODES = ["error 1001", "ERR-77", "status 403", "code E27"]
VERSIONS = ["iOS 16.5", "Android 13", "v2.4", "build 118"]

# ---- carriers: real sentences from ../shared/data ----------------------------------------------------
# banking77: categories whose index is a multiple of 3; clinc150: the intents in DEV_INTENTS
# (none shared with test); uci_sentiment: odd Yelp rows.
DEV_INTENTS = {"balance", "transfer", "routing", "expiration_date", "replacement_card_duration", "redeem_rewards",
               "apr", "application_status", "book_flight", "travel_alert", "travel_notification", "carry_on",
               "order", "insurance", "credit_score", "min_payment", "spending_history", "improve_credit_score"}
CARRIER_SOURCES = {
    "banking77": lambda index, category: index % 3 == 0,
    "clinc150": lambda intent: intent in DEV_INTENTS,
    "uci_sentiment": lambda row, label: row % 2 == 1,
}
CARRIER_FRAMES = [
    ("banking77", "chat", "{carrier} card is {card}", 10),
    ("banking77", "chat", "{carrier} thx, {first}", 10),
    ("banking77", "email", "Hi,\n\n{carrier}\n\nThanks\n{name}\nMobile: {phone}", 8),
    ("banking77", "transcript", "customer: {carrier} uh the name on the account is {name}", 10),
    ("banking77", "transcript", "agent: could i have your date of birth\ncustomer: {dob}\nagent: lovely what can i do for you\ncustomer: {carrier}", 8),
    ("banking77", "sms", "{carrier} my no. {phone}", 8),
    ("clinc150", "transcript", "customer: {carrier} member number {custno}", 8),
    ("clinc150", "chat", "{carrier} email {email}", 8),
    ("clinc150", "sms", "{carrier} case {-ref}", 6),
    ("uci_sentiment", "social", "{carrier} ring me {phone}", 8),
    ("uci_sentiment", "social", "{carrier} — {first} from {-place}", 8),
]
ABCD_DIALOGUES = [1]
ABCD_SLOTS = {"<username>": "{custno:username}", "<email>": "{email}", "<order_id>": "{-order:abcd}",
              "<phone>": "{phone:us}"}
ABCD_REPEAT = 3

# ---- hand-written frames ---------------------------------------------------------------------------------
CHAT = [
    "hello, {name} here. my debit card got eaten by the atm on {-date}",
    "cn u ring me on {phone}? cant type much at work",
    "ya its {email}",
    "card: {card}",
    "the name on the acct is {name} and my birthday is {dob}",
    "address: {address}",
    "pls update my address to {address} from {-date}",
    "IBAN {iban}, can you refund there?",
    "acc {ukacc} sort {sort}",
    "soc sec no {ssn}",
    "national insurance {nino}",
    "date of birth is {dob}",
    "im {first}, i phoned yesterday about the {-amount} charge",
    "my member id is {custno}",
    "pass is {password}",
    "my pin's {pin}",
    "hello? order {-order} status pls",
    "the courier says {-tracking} was delivered at {-time} but nothing came",
    "[[-ORDINARY_WORD/may:may]] i ask why i was charged {-amount}?",
    "i have {-qty} but the app shows {-qty}",
    "flight {-flight} leaves {-date}, will my card work in {-place}?",
    "my {-brand} card ending {-last4} keeps getting declined",
    "i know [[-ORDINARY_WORD/jack:jack]] all about this, been waiting {-duration}",
    "the [[-ORDINARY_WORD/carol:carol]] service tickets for {-date}, order {-order}",
    "ive got an [[-ORDINARY_WORD/amber:amber]] warning light and the app says {-error}",
    "{first} {last}, {dob}",
    "{name:title} is my landlord, do you need his details?",
    "its spelt {spell}",
    "my partner {first:p2} wants to be added",
    "you can email me at {email} or text {phone}",
    "dob {dob} postcode {postcode:uk}",
    "pls cancel the direct debit for {-brand}, the {-amount} one",
    "case {-ref} update?",
    "new phone who dis 😂 jk its {first}, new number {phone}",
    "up at [[-ORDINARY_WORD/dawn:dawn]] waiting for the {-pbrand} delivery, order {-order}",
    "my maiden name was {last} before i got married, account might be under that",
    "answer to the security q is {pet}",
    "the verification code is {otp}",
    "my abn is... sorry bsb {bsb} acc {auacc}",
    "routing no. {routing}, acct no. {usacc}",
    "DNI: {dni}",
    "my aadhar no is {aadhaar}",
    "send it to {address:po-box}",
    "the {-product} i ordered from {-pbrand} is the wrong colour",
    "my cvv is {cvv}",
    "got {-qty} of {-product} for {-amount}",
    "the card that was cloned is {card}",
    "pls block {card} asap!!",
    "transfer to {iban} failed, why?",
    "my iban: {iban} (dutch bank)",
    "bank: {sort} / {ukacc}",
    "it's {ssn}, my ssn",
    "NINO {nino}",
    "member no {custno}",
    "my customer ref is {custno}",
    "secret answer {school}",
    "{name} - {phone} - {email}",
    "i'm {first}! dob {dob}, new addr {address}",
    "contact no {phone:de}",
    "ring my french mobile {phone:fr}",
    "call {phone:au} (aussie number)",
    "{phone:in} whatsapp",
    "tel {phone:es}",
    "{phone:nl} is fine",
    "cel {phone:it}",
    "sin: {sin}",
    "postcode's {postcode:uk}",
    "the date of birth field defaults to {-date}, had to scroll back decades lol",
    "opened the account on {-date} (thats not my dob, the app has them mixed up)",
    "house name is {address:house-name}",
    "it's {address:flat-prefix}, ring the bell twice",
    "send letters to {address:po-box}",
    "{name:title} speaking, i'm the account holder",
    "{-qty} delivered to the wrong flat, tracking {-tracking}",
    "paid {-amount} by {-brand} on {-date} at {-time}",
    "price was {-percent} off? invoice {-invoice} says full price",
]
SMS_EXTRA = [
    "card {card} pls cancel",
    "acc {ukacc} sc {sort}",
    "iban {iban}",
    "{name} {phone}",
]
SMS = [
    "txt me on {phone}",
    "{first} here, address is {address}",
    "Ur verification code is {otp}. Do not share it",
    "dob {dob}",
    "Your order {-order} has been dispatched. Track: {-tracking}",
    "appointment confirmed {-date} {-time}",
    "my email {email}",
    "hi, {name}, acc {custno}",
    "thx, the [[-ORDINARY_WORD/holly:holly]] bush was delivered ok",
    "ok speak {-date}",
    "pin is {pin}",
    "card no {card}",
] + SMS_EXTRA
EMAIL = [
    "Dear Sir or Madam,\n\nMy details are below.\n\nName: {name}\nDate of Birth: {dob}\nAddress: {address}\nPhone: {phone}\n\nRegards",
    "Hello,\n\nPlease can you refund {-amount} to IBAN {iban} (account holder {name}).\n\nKind regards",
    "Hi,\n\nI never received order {-order}. The tracking {-tracking} says delivered on {-date}.\n\n{first}",
    "Hi {agent},\n\nAs requested, my membership number is {custno} and my email is {email}.\n\nBest wishes,\n{name}",
    "Hi,\n\nMy social security number is {ssn}.\n\n{name}\n{phone}",
    "Dear Support,\n\nI'm having trouble with {-version}: {-error}.\n\nThanks,\n{name}",
    "Hello,\n\nPlease pay the compensation into sort code {sort}, account {ukacc}.\n\nThanks,\n{name}\n{address}",
    "Hi,\n\nMy husband {name:p2} (DOB {dob:p2}) will call on my behalf.\n\n{name}",
    "Hello team,\n\nInvoice {-invoice} for {-qty} came to {-amount}. We were told {-amount}.\n\nRegards,\nAccounts",
    "Hi,\n\nMy NI number is {nino} and I was born {dob}.\n\n{first}",
    "Hi,\n\nBooking {-ref} on flight {-flight}, {-date}. Please change the name to {name}.\n\nThanks",
    "Hello,\n\nMy new address from {-date} is {address}.\n\n{name}\nMob {phone}",
    "Hi,\n\nCard number {card} was stolen on {-date}. Please cancel it.\n\n{name}",
    "Hello,\n\nIBAN: {iban}\nAccount name: {name}\n\nThanks",
    "Dear team,\n\nmy national insurance number is {nino}.\n\nBest,\n{first}",
]
SOCIAL = [
    "[[-BRAND/handle:@TescoHelp]] order {-order} missing {-qty} 😠",
    "{name} here, still waiting on a callback on {phone} [[-BRAND/handle:@SkyHelpTeam]]",
    "huge thanks to {agent} from {-brand} 🙌",
    "[[-BRAND/handle:@easyJet]] {-flight} delayed {-duration} at {-place}",
    "email me {email} if you actually want to help",
    "my account {custno} still locked, day 3",
    "Happy [[-ORDINARY_WORD/penny:penny]] pinching! sale on till {-date}",
]
TRANSCRIPT = [
    "agent: good morning you're speaking to {agent} who am i speaking with\ncustomer: {um}{name}",
    "customer: yeah my mobile number is {phone}",
    "customer: the long number on the card is {card}",
    "customer: my date of birth is {dob}",
    "agent: can you confirm your postcode\ncustomer: {postcode:uk}",
    "customer: i'm at {address}",
    "customer: email is {email}",
    "customer: it's {email:spelled}",
    "customer: the surname is {last} {spell}",
    "customer: uh national insurance is {nino}",
    "customer: my social security is {ssn}",
    "customer: the pin's {pin}",
    "agent: what's the answer to your security question\ncustomer: {maiden}",
    "customer: account number {ukacc} sort code {sort}",
    "customer: iban {iban}",
    "customer: uh the customer number is {custno}",
    "customer: i was charged {-amount} on {-date}",
    "customer: the order was {-order}",
    "customer: my flight's {-flight} at {-time}",
    "customer: [[-ORDINARY_WORD/may:may]] i ask what the {-amount} is for",
    "customer: i rang on {-date} and they said {-duration}",
    "customer: it's for my nan she's {first:p2} {last:p2}",
    "customer: um so i'm {first} and i was born {dob}",
    "customer: ring me back on {phone} please",
    "customer: my password's {password}",
    "customer: the one ending {-last4}",
    "customer: it's {name} and i live at {address}",
    "customer: the reference is {-ref}",
    "customer: i need {-qty} replaced",
    "customer: my routing number {routing} and account {usacc}",
    "customer: memorable word is {memword}",
    "customer: tracking is {-tracking}",
    "customer: it's {name:title}",
    "customer: you can reach me on {phone} any time after {-time}",
    "customer: the [[-ORDINARY_WORD/bill:bill]] came to {-amount}",
    "customer: yes {dob} that's right",
    "customer: card number's {card}",
    "agent: go ahead with the card number when you're ready\ncustomer: {um}{card}",
    "customer: the iban is um {iban}",
    "customer: sort code is {sort} and the account number {ukacc}",
    "customer: ssn is {ssn}",
    "customer: my n i number {nino}",
    "customer: my member number's {custno}",
    "customer: the security answer is {school}",
    "customer: i'm calling from {phone}",
    "customer: my email address is {email}",
    "customer: i moved to {address} last month",
    "customer: my postcode's {postcode:uk}",
    "agent: and your full name\ncustomer: {name}\nagent: and date of birth\ncustomer: {dob}",
    "customer: {um}it's {first}",
    "customer: pin number {pin}",
    "customer: yeah it's {address:house-name}",
    "customer: my flat is {address:flat-prefix}",
    "customer: post goes to {address:po-box}",
]
FRAMES = {"chat": CHAT, "sms": SMS, "email": EMAIL, "social": SOCIAL, "transcript": TRANSCRIPT}

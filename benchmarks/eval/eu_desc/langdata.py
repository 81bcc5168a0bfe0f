"""Language worlds for the eu_desc evaluation set: names, numbering, wording, bank texts.

Pure data plus small text helpers; Python standard library only.
"""

import re
import unicodedata
from datetime import date

# --------------------------------------------------------------------------------------------
# text helpers
# --------------------------------------------------------------------------------------------
DE_MAP = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def strip_acc(s):
    s = s.replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def translit(lang, s):
    """What a SEPA-restricted character set makes of a name (bank or payer software)."""
    if lang == "de":
        return strip_acc(s.translate(DE_MAP))
    if lang == "it":
        s = re.sub(r"([àèéìòùÀÈÉÌÒÙ])(?![A-Za-zÀ-ÿ])", lambda m: strip_acc(m.group(1)) + "'", s)
        return strip_acc(s)
    return strip_acc(s)


def key_ue(s):
    return re.sub(r"[^A-Z0-9]", "", strip_acc(s.translate(DE_MAP)).upper())


def key_u(s):
    return re.sub(r"[^A-Z0-9]", "", strip_acc(s).upper())


# --------------------------------------------------------------------------------------------
# banks and IBANs
# --------------------------------------------------------------------------------------------
BANKS = {
    "DE": [("51390000", "VBMHDE5FXXX"), ("51550035", "BRUSDE51XXX"), ("50040000", "COBADEFFXXX"),
           ("50070010", "DEUTDEFFXXX"), ("51350025", "SKGIDE5FXXX"), ("12030000", "BYLADEM1001"),
           ("60050101", "SOLADEST600"), ("70020270", "HYVEDEMMXXX"), ("37040044", "COBADEFFXXX"),
           ("43060967", "GENODEM1GLS"), ("53350000", "HELADEF1MAR"), ("51150018", "HELADEF1FRI")],
    "ES": [("0049", "BSCHESMMXXX"), ("2100", "CAIXESBBXXX"), ("0182", "BBVAESMMXXX"),
           ("0081", "BSABESBBXXX"), ("0128", "BKBKESMMXXX"), ("3058", "CCRIES2AXXX"),
           ("2085", "CAZRES2ZXXX"), ("3159", "BCOEESMM159")],
    "IT": [("03069", "BCITITMMXXX"), ("02008", "UNCRITMMXXX"), ("05034", "BAPPIT21XXX"),
           ("05696", "POSOIT22XXX"), ("08327", "ICRAITRRXXX"), ("05387", "BPMOIT22XXX"),
           ("03104", "DEUTITMMXXX")],
    "NL": [("ABNA", "ABNANL2A"), ("INGB", "INGBNL2A"), ("RABO", "RABONL2U"), ("TRIO", "TRIONL2U"),
           ("SNSB", "SNSBNL2A"), ("KNAB", "KNABNL2H"), ("BUNQ", "BUNQNL2A")],
    "AT": [("20111", "GIBAATWWXXX"), ("32000", "RLNWATWWXXX")],
    "FR": [("30004", "BNPAFRPPXXX"), ("30003", "SOGEFRPPXXX")],
    "BE": [("001", "GEBABEBBXXX"), ("310", "BBRUBEBBXXX")],
    "CH": [("00230", "UBSWCHZH80A"), ("00700", "ZKBKCHZZ80A")],
    "GB": [("BARC", "BARCGB22XXX"), ("HBUK", "HBUKGB4BXXX"), ("NWBK", "NWBKGB2LXXX")],
    "NO": [("1503", "DNBANOKKXXX")],
    "TR": [("00062", "TGBATRISXXX")],
}


def make_iban(cc, bban):
    s = bban + cc + "00"
    num = "".join(str(int(ch, 36)) for ch in s)
    return f"{cc}{98 - int(num) % 97:02d}{bban}"


def gen_iban(rng, cc):
    def dg(n):
        return "".join(str(rng.randint(0, 9)) for _ in range(n))
    code, bic = rng.choice(BANKS[cc])
    bban = {
        "DE": lambda: code + dg(10),
        "ES": lambda: code + dg(4) + dg(2) + dg(10),
        "IT": lambda: rng.choice("ABCDEFGHIJKLMNOPRSTUVWXYZ") + code + dg(5) + dg(12),
        "NL": lambda: code + dg(10),
        "AT": lambda: code + dg(11),
        "FR": lambda: code + dg(5) + dg(11) + dg(2),
        "BE": lambda: code + dg(9),
        "CH": lambda: code + dg(12),
        "GB": lambda: code + dg(6) + dg(8),
        "NO": lambda: code + dg(7),
        "TR": lambda: code + "0" + dg(16),
    }[cc]()
    return make_iban(cc, bban), bic


# --------------------------------------------------------------------------------------------
# per-language worlds
# --------------------------------------------------------------------------------------------
MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"],
}
MONTHS_ABBR = {
    "de": ["Jan", "Feb", "Mrz", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
    "it": ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
    "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
}

SURNAMES = {
    "de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
           "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
           "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
           "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
           "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller",
           "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke",
           "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin",
           "Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel",
           "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler",
           "Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Voigt", "Sauer", "Arnold",
           "Wolff", "Pfeiffer", "Thiele", "Ebert", "Hübner", "Nagel", "Döring", "Gärtner", "Strauß",
           "Reuter", "Petersen", "Kessler", "Lindner", "Marx", "Fritz", "Ullrich", "Wendt", "Blum"],
    "es": ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
           "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
           "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
           "Gil", "Ramírez", "Serrano", "Blanco", "Molina", "Morales", "Suárez", "Ortega", "Delgado",
           "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina", "Garrido",
           "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto", "Méndez", "Calvo",
           "Gallego", "Vidal", "León", "Márquez", "Herrera", "Peña", "Flores", "Cabrera", "Campos",
           "Vega", "Fuentes", "Carrasco", "Caballero", "Nieto", "Aguilar", "Pascual", "Herrero",
           "Montero", "Hidalgo", "Giménez", "Ibáñez", "Ferrer", "Durán", "Benítez", "Mora", "Vicente",
           "Arias", "Carmona", "Crespo", "Pastor", "Soler", "Parra", "Esteban", "Bravo", "Gallardo",
           "Pardo", "Merino", "Franco", "Lara", "Rivas", "Arroyo", "Redondo", "Camacho", "Otero",
           "Galán", "Sierra", "Segura", "Soriano", "Robles", "Bernal", "Valero", "Echevarría",
           "Aguirre", "Zubiría", "Ballester", "Miralles", "Llorente", "Beltrán", "Quintana"],
    "it": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
           "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
           "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso",
           "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale",
           "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa",
           "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini",
           "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna", "Farina",
           "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Grassi",
           "Carbone", "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo", "Montanari", "Guerra",
           "Palmieri", "Bernardi", "Fiore", "De Rosa", "Ferretti", "Bellini", "Basile", "Riva",
           "Donati", "Piras", "Vitali", "Battaglia", "Sartori", "Neri", "Costantini", "Milani",
           "Pagano", "Ruggiero", "Sorrentino", "D'Amico", "Orlando", "Negri", "Zanetti", "Cavalli",
           "Brambilla", "Fumagalli", "Bonetti", "Bertolini", "Pozzi", "Zanella", "Nicolò"],
    "nl": ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
           "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
           "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
           "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen",
           "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "van der Heijden",
           "Schouten", "van Beek", "Willems", "van Vliet", "van de Ven", "Hoekstra", "Maas",
           "Verhoeven", "Koster", "van Dam", "van der Wal", "Prins", "Blom", "Huisman", "Peeters",
           "de Jonge", "Kuipers", "van Veen", "Post", "Kuiper", "Veenstra", "Kramer",
           "van den Brink", "Scholten", "van Wijk", "Postma", "Martens", "Vink", "de Ruiter",
           "Timmermans", "Groen", "Gerritsen", "Jonker", "van Loon", "van der Velde", "Willemsen",
           "Smeets", "de Lange", "de Vos", "Bosch", "van Dongen", "Schipper", "de Koning",
           "van der Laan", "Driessen", "van Doorn", "Hermans", "Evers", "van den Bosch",
           "van der Meulen", "Hofman", "Bosman", "Wolters", "Sanders", "van der Horst", "Mol",
           "Kuijpers", "Molenaar", "van de Pol", "de Leeuw", "Verbeek", "Hoogeveen", "Brinkman"],
}
FIRSTNAMES = {
    "de": ["Peter", "Hans", "Klaus", "Jürgen", "Thomas", "Michael", "Andreas", "Stefan", "Frank",
           "Uwe", "Sabine", "Petra", "Andrea", "Claudia", "Monika", "Karin", "Jörg", "Günter",
           "Matthias", "Björn", "Anja", "Katrin", "Susanne", "Ralf", "Dirk", "Holger", "Sven", "Timo",
           "Lars", "Ute", "Jana", "Lena", "Tobias", "Jan", "Nicole", "Kerstin", "Markus", "René"],
    "es": ["José", "Antonio", "Manuel", "Francisco", "Juan", "David", "Javier", "Daniel", "Carlos",
           "Jesús", "Alejandro", "Miguel", "Rafael", "Pablo", "Sergio", "María", "Carmen", "Ana",
           "Laura", "Isabel", "Lucía", "Cristina", "Marta", "Elena", "Pilar", "Raquel", "Nuria",
           "Iñaki", "Begoña", "Ramón", "Joaquín", "Inés"],
    "it": ["Marco", "Giuseppe", "Luca", "Giovanni", "Andrea", "Francesco", "Alessandro", "Matteo",
           "Stefano", "Paolo", "Roberto", "Davide", "Simone", "Maria", "Anna", "Giulia", "Francesca",
           "Sara", "Laura", "Elena", "Chiara", "Valentina", "Federica", "Silvia", "Niccolò", "Mario",
           "Gianluca", "Lorenzo", "Alessia", "Martina"],
    "nl": ["Jan", "Pieter", "Kees", "Henk", "Willem", "Johan", "Gerrit", "Bart", "Ruud", "Marco",
           "Sander", "Thijs", "Daan", "Sanne", "Anouk", "Femke", "Lotte", "Marieke", "Ingrid",
           "Annemiek", "Joost", "Maarten", "Erik", "Wouter", "Bram", "Esther", "Linda", "Mirjam",
           "Rutger", "Sjoerd"],
}
TRADES = {
    "de": ["Maschinenbau", "Metallbau", "Elektrotechnik", "Haustechnik", "Bauunternehmung",
           "Spedition", "Logistik", "Druckerei", "Holzbau", "Dachdeckerei", "Sanitärtechnik",
           "Kunststofftechnik", "Feinmechanik", "Landtechnik", "Autohaus", "Gebäudereinigung",
           "Ingenieurbüro", "Werkzeugbau", "Stahlhandel", "Getränkehandel", "Baustoffhandel",
           "Systemtechnik", "Antriebstechnik", "Verpackungstechnik", "Medizintechnik",
           "Elektrogroßhandel", "Fördertechnik", "Hydraulik", "Schweißtechnik", "Kältetechnik",
           "Oberflächentechnik", "Zerspanungstechnik", "Tiefbau", "Gerüstbau", "Fensterbau",
           "Möbelwerkstätten", "Landmaschinen", "Industrieservice", "Anlagenbau", "Blechbearbeitung"],
    "es": ["Talleres", "Construcciones", "Transportes", "Instalaciones Eléctricas", "Suministros",
           "Distribuciones", "Carpintería Metálica", "Excavaciones", "Reformas", "Fontanería",
           "Climatización", "Comercial", "Maquinaria Agrícola", "Automoción", "Recambios",
           "Ferretería", "Aluminios", "Cristalería", "Pinturas", "Estructuras",
           "Montajes Industriales", "Logística", "Ingeniería", "Mármoles", "Embalajes",
           "Panificadora", "Conservas", "Hierros", "Electricidad", "Neumáticos"],
    "it": ["Costruzioni", "Officine Meccaniche", "Trasporti", "Impianti Elettrici",
           "Carpenteria Metallica", "Autotrasporti", "Termoidraulica", "Edilizia",
           "Forniture Industriali", "Arredamenti", "Tipografia", "Ceramiche", "Serramenti",
           "Commerciale", "Meccanica", "Logistica", "Ferramenta", "Lavorazioni Meccaniche",
           "Stampaggio", "Vernici", "Elettronica", "Imballaggi", "Macchine Agricole", "Torneria",
           "Minuteria", "Fonderia", "Oleodinamica", "Idraulica"],
    "nl": ["Bouwbedrijf", "Installatietechniek", "Transport", "Aannemersbedrijf", "Schildersbedrijf",
           "Loodgietersbedrijf", "Elektrotechniek", "Metaalbewerking", "Timmerfabriek", "Kwekerij",
           "Hoveniersbedrijf", "Groothandel", "Drukkerij", "Autobedrijf", "Staalbouw",
           "Machinefabriek", "Dakdekkersbedrijf", "Klimaattechniek", "Tegelhandel", "Verhuur",
           "Logistiek", "Schoonmaakbedrijf", "Interieurbouw", "Constructiebedrijf", "Grondverzet",
           "Agrarisch Loonbedrijf", "Koeltechniek"],
}
PLACES = {
    "de": ["Süd", "Nord", "Rhein-Main", "Schwaben", "Oberpfalz", "Münsterland", "Sauerland",
           "Lausitz", "Bodensee", "Franken", "Allgäu", "Eifel", "Hunsrück", "Wetterau",
           "Vogelsberg", "Lahn-Dill", "Mittelhessen", "Ostwestfalen", "Niederrhein", "Erzgebirge",
           "Wetzlar", "Gießen", "Marburg", "Limburg", "Siegen", "Fulda", "Würzburg", "Göttingen"],
    "es": ["Levante", "del Sur", "del Norte", "Mediterráneo", "Castellana", "Ibérica", "del Vallès",
           "de Aragón", "Gallega", "del Ebro", "de la Plana", "Alicantina", "Valenciana", "Murciana",
           "Manchega", "Andaluza", "Cantábrica", "Riojana", "del Turia", "de Castellón"],
    "it": ["Adriatica", "Padana", "Lombarda", "Veneta", "Emiliana", "del Nord", "Sud", "Tirrenica",
           "Brianza", "Bergamasca", "Bresciana", "Friulana", "Modenese", "Bolognese", "Romagnola",
           "del Garda"],
    "nl": ["Noord", "Zuid-Holland", "Twente", "Brabant", "Veluwe", "Achterhoek", "West-Friesland",
           "Drenthe", "Zeeland", "Limburg", "Utrecht", "Het Gooi", "Westland", "Rijnmond"],
}

# legal forms: (ledger spelling, variants a bank/payer may show)
LEGAL = {
    "de": [("GmbH & Co. KG", ["GMBH + CO. KG", "GMBH & CO KG", "GMBH U. CO. KG", "GMBH+CO KG", "GMBH CO KG"]),
           ("UG (haftungsbeschränkt)", ["UG", "UG (HAFTUNGSBESCHRAENKT)", "UG HB"]),
           ("GmbH", ["GMBH", "G.M.B.H.", "GESELLSCHAFT MBH"]),
           ("e.K.", ["EK", "E.K.", ""]), ("AG", ["AG"]), ("KG", ["KG"]), ("OHG", ["OHG"]),
           ("GbR", ["GBR"]), ("eG", ["EG"])],
    "es": [("S.L.U.", ["SLU", "S.L.U", "SOCIEDAD LIMITADA UNIPERSONAL"]),
           ("S.L.", ["SL", "S.L", "SOCIEDAD LIMITADA", "S L", ", S.L."]),
           ("S.A.U.", ["SAU"]), ("S.A.", ["SA", "S.A", "SOCIEDAD ANONIMA", ", S.A."]),
           ("S.Coop.", ["S COOP", "SDAD COOP"]), ("C.B.", ["CB"])],
    "it": [("S.r.l.s.", ["SRLS", "S.R.L.S."]), ("S.r.l.", ["SRL", "S.R.L", "S.R.L.", "SOCIETA' A RESPONSABILITA' LIMITATA"]),
           ("S.p.A.", ["SPA", "S.P.A", "S.P.A."]), ("S.n.c.", ["SNC", "S.N.C"]),
           ("S.a.s.", ["SAS", "S.A.S"]), ("Soc. Coop.", ["SOC COOP", "SOCIETA' COOPERATIVA"])],
    "nl": [("B.V.", ["BV", "B V", "B.V"]), ("N.V.", ["NV"]), ("V.O.F.", ["VOF", "V O F"]),
           ("C.V.", ["CV"]), ("U.A.", ["UA"])],
}
ABBREV = {
    "de": {"Maschinenbau": "Maschb.", "Elektrotechnik": "Elektrotech.", "Gebäudereinigung": "Geb.-Reinigung",
           "Bauunternehmung": "Bauunt.", "Ingenieurbüro": "Ing.-Büro", "Haustechnik": "Haustech.",
           "Spedition": "Sped.", "Kunststofftechnik": "Kunstst.-Technik", "Industrieservice": "Ind.-Service",
           "Baustoffhandel": "Baustoffhdl.", "Stahlhandel": "Stahlhdl.", "Getränkehandel": "Getränkehdl.",
           "Medizintechnik": "Med.-Technik", "Landmaschinen": "Landmasch.", "Antriebstechnik": "Antriebstech.",
           "Verpackungstechnik": "Verp.-Technik", "Systemtechnik": "Systemtech.", "Anlagenbau": "Anl.-Bau",
           "Elektrogroßhandel": "Elektrogroßhdl.", "Blechbearbeitung": "Blechbearb."},
    "es": {"Hermanos": "Hnos.", "Construcciones": "Const.", "Transportes": "Transp.", "Instalaciones": "Inst.",
           "Distribuciones": "Dist.", "Suministros": "Sumin.", "Comercial": "Cial.", "Ingeniería": "Ing.",
           "Carpintería": "Carp.", "Maquinaria": "Maq.", "Montajes": "Mont.", "Excavaciones": "Excav."},
    "it": {"Fratelli": "F.lli", "Costruzioni": "Costr.", "Officine Meccaniche": "Off. Mecc.",
           "Trasporti": "Trasp.", "Impianti": "Imp.", "Commerciale": "Comm.le", "Carpenteria": "Carp.",
           "Lavorazioni": "Lav.", "Forniture": "Forn.", "Autotrasporti": "Autotrasp.", "Industriali": "Ind.li"},
    "nl": {"van den": "v.d.", "van der": "v.d.", "Installatietechniek": "Install.techniek",
           "Aannemersbedrijf": "Aannemersbedr.", "Bouwbedrijf": "Bouwbedr.", "Transport": "Transp.",
           "Groothandel": "Groothand.", "Machinefabriek": "Machinefabr.", "Schildersbedrijf": "Schildersbedr.",
           "Coöperatie": "Coop.", "Loodgietersbedrijf": "Loodgietersbedr."},
}


def _cap_nl(s):
    return s[0].upper() + s[1:]


def company_name(lang, rng):
    """Returns (base, form, holder_person_or_None)."""
    S = SURNAMES[lang]
    T = TRADES[lang]
    P = PLACES[lang]
    F = FIRSTNAMES[lang]
    r = rng.random()
    if lang == "de":
        form = rng.choices(["GmbH", "GmbH & Co. KG", "AG", "e.K.", "KG", "OHG", "UG (haftungsbeschränkt)", "GbR"],
                           [40, 18, 5, 11, 6, 4, 4, 3])[0]
        s1, s2 = rng.sample(S, 2)
        t = rng.choice(T)
        if form == "e.K.":
            fn = rng.choice(F)
            base = rng.choice([f"{t} {s1}", f"{s1} {t}", f"{t} {fn} {s1}"])
            return base, form, (f"{fn} {s1}" if rng.random() < 0.6 else None)
        if form == "GbR":
            return f"{s1} & {s2} {t}", form, None
        if r < 0.40:
            base = f"{s1} {t}"
        elif r < 0.55:
            base = f"{s1} & {s2}"
        elif r < 0.70:
            base = f"{t} {rng.choice(P)}"
        elif r < 0.82:
            base = f"{s1} {t} {rng.choice(P)}"
        elif r < 0.92:
            base = f"{t} {s1}"
        else:
            base = f"{s1}-{t}"
        return base, form, None
    if lang == "es":
        form = rng.choices(["S.L.", "S.A.", "S.L.U.", "S.Coop.", "C.B.", ""], [58, 15, 10, 3, 4, 10])[0]
        s1, s2 = rng.sample(S, 2)
        t = rng.choice(T)
        if form == "":
            fn = rng.choice(F)
            return f"{fn} {s1} {s2}", "", None
        if r < 0.35:
            base = f"{t} {s1}"
        elif r < 0.55:
            base = f"{t} {s1} {s2}"
        elif r < 0.72:
            base = f"{t} {rng.choice(P)}"
        elif r < 0.82:
            base = f"{s1} y {s2}"
        elif r < 0.92:
            base = f"Hermanos {s1}" if rng.random() < 0.5 else f"{t} Hermanos {s1}"
        else:
            base = f"{t} {s1} e Hijos"
        return base, form, None
    if lang == "it":
        form = rng.choices(["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s.", "S.r.l.s.", "Soc. Coop.", ""],
                           [55, 10, 10, 8, 5, 4, 8])[0]
        s1, s2 = rng.sample(S, 2)
        t = rng.choice(T)
        fn = rng.choice(F)
        if form == "":
            return f"{s1} {fn}", "", None
        if form == "S.a.s.":
            return rng.choice([f"{s1} {fn} & C.", f"{t} {s1} di {s1} {fn} & C."]), form, None
        if form == "S.n.c.":
            return rng.choice([f"Fratelli {s1}", f"{s1} & {s2}", f"{t} {s1} di {fn} e {s2}"]), form, None
        if form == "Soc. Coop.":
            return f"{t} {rng.choice(P)}", form, None
        if r < 0.35:
            base = f"{t} {s1}"
        elif r < 0.55:
            base = f"{s1} {t}"
        elif r < 0.70:
            base = f"{t} {rng.choice(P)}"
        elif r < 0.80:
            base = f"Società {t} {s1}" if rng.random() < 0.5 else f"Società Agricola {s1}"
        elif r < 0.90:
            base = f"{s1} & {s2}"
        else:
            base = f"Fratelli {s1} {t}"
        return base, form, None
    if lang == "nl":
        form = rng.choices(["B.V.", "V.O.F.", "N.V.", "", "C.V.", "U.A."], [60, 12, 4, 14, 2, 3])[0]
        s1, s2 = rng.sample(S, 2)
        t = rng.choice(T)
        fn = rng.choice(F)
        if form == "U.A.":
            return f"Coöperatie {t} {rng.choice(P)}", form, None
        if form == "":
            base = rng.choice([f"{t} {_cap_nl(s1)}", f"{t} {fn[0]}. {s1}", f"{_cap_nl(s1)} {t}"])
            return base, "", (f"{fn[0]}. {s1}" if rng.random() < 0.6 else None)
        if r < 0.40:
            base = f"{t} {_cap_nl(s1)}"
        elif r < 0.55:
            base = f"{_cap_nl(s1)} {t}"
        elif r < 0.68:
            base = f"{_cap_nl(s1)} & Zn."
        elif r < 0.80:
            base = f"{_cap_nl(s1)} & {_cap_nl(s2)}"
        else:
            base = f"{t} {rng.choice(P)}"
        return base, form, None
    raise ValueError(lang)


def holding_name(lang, rng, surname):
    if lang == "de":
        return rng.choice([(f"{surname} Holding", "GmbH"), (f"{surname} Gruppe", "GmbH & Co. KG"),
                           (f"{surname} Beteiligungs", "GmbH"), (f"{surname} Unternehmensgruppe", "AG")])
    if lang == "es":
        return rng.choice([(f"Grupo {surname}", "S.A."), (f"Corporación {surname}", "S.L."),
                           (f"{surname} Inversiones", "S.L.")])
    if lang == "it":
        return rng.choice([(f"{surname} Holding", "S.p.A."), (f"Gruppo {surname}", "S.p.A."),
                           (f"{surname} Partecipazioni", "S.r.l.")])
    return rng.choice([(f"{_cap_nl(surname)} Holding", "B.V."), (f"{_cap_nl(surname)} Beheer", "B.V."),
                       (f"{_cap_nl(surname)} Groep", "B.V.")])


def person_name(lang, rng):
    fn, sn = rng.choice(FIRSTNAMES[lang]), rng.choice(SURNAMES[lang])
    if lang == "es":
        sn = f"{sn} {rng.choice(SURNAMES['es'])}"
    return fn, sn


# --------------------------------------------------------------------------------------------
# companies, creditors, bank
# --------------------------------------------------------------------------------------------
WORLD = {
    "de": dict(
        cc="DE", start=date(2026, 2, 23), vat="0.19", currency="EUR",
        company="Hessler Antriebstechnik GmbH", company_short="HESSLER ANTRIEBSTECHNIK",
        bank="Volksbank Mittelhessen eG", encoding="latin-1",
        inv=("RE", 5), cn=("GS", 5), sup_id="ER",
        payroll_day=date(2026, 2, 26), tax_days=[date(2026, 3, 5), date(2026, 3, 6), date(2026, 2, 25)],
        social_days=[date(2026, 2, 25)], fee_days=[date(2026, 2, 27), date(2026, 3, 2)],
        terms=[14, 30, 30, 30, 45, 60], skonto_share=0.30, name_limit=27,
        price_list=["119.00", "238.00", "357.00", "476.00", "595.00", "892.50", "1190.00", "59.50",
                    "178.50", "297.50", "1785.00", "2380.00", "149.94", "83.30", "714.00", "46.41"],
        contract_word="Miete", contract_items=["Mietvertrag MV-{n} Kompressor", "Mietvertrag MV-{n} Stapler",
                                                "Wartungsvertrag WV-{n}", "Mietvertrag MV-{n} Hebebühne"],
        fees=["Entgelt Kontoführung 02/2026", "Abschluss per 27.02.2026 Entgelte lt. Anlage",
              "Entgelt Auslandszahlung", "Entgelt Echtzeitüberweisungen 02/2026",
              "Abrechnung Kartenentgelte 02/2026", "Porto Kontoauszüge"],
    ),
    "es": dict(
        cc="ES", start=date(2026, 1, 26), vat="0.21", currency="EUR",
        company="Suministros Industriales Turia S.L.", company_short="SUMINISTROS INDUSTRIALES TURIA",
        bank="Banco", encoding="utf-8",
        inv=("FRA", 4), cn=("ABO", 4), sup_id="FR",
        payroll_day=date(2026, 1, 30), tax_days=[date(2026, 1, 30), date(2026, 1, 29)],
        social_days=[date(2026, 1, 30)], fee_days=[date(2026, 1, 30), date(2026, 2, 2)],
        terms=[30, 30, 60, 60, 60, 90], skonto_share=0.12, name_limit=40,
        price_list=["121.00", "242.00", "363.00", "605.00", "1210.00", "60.50", "181.50", "302.50",
                    "847.00", "2420.00", "96.80", "72.60"],
        contract_word="cuota", contract_items=["Cuota mantenimiento contrato CM-{n}", "Alquiler carretilla contrato AL-{n}",
                                                "Cuota servicio técnico contrato ST-{n}"],
        fees=["COMISION MANTENIMIENTO CUENTA", "COMISION ADMINISTRACION", "COMISION TRANSFERENCIAS ENERO",
              "COMISION EMISION TRANSFERENCIA EXTRANJERO", "COMISION TARJETA EMPRESA", "GASTOS CORREO"],
    ),
    "it": dict(
        cc="IT", start=date(2026, 3, 9), vat="0.22", currency="EUR",
        company="Officine Meccaniche Bertolini S.r.l.", company_short="OFFICINE MECCANICHE BERTOLINI SRL",
        bank="Banca", encoding="utf-8",
        inv=("FT", 0), cn=("NC", 0), sup_id="FA",
        payroll_day=date(2026, 3, 10), tax_days=[date(2026, 3, 16)],
        social_days=[date(2026, 3, 16)], fee_days=[date(2026, 3, 9), date(2026, 3, 20)],
        terms=[30, 60, 60, 90, 90, 120], skonto_share=0.12, name_limit=35,
        price_list=["122.00", "244.00", "366.00", "610.00", "1220.00", "61.00", "183.00", "305.00",
                    "854.00", "2440.00", "97.60", "73.20"],
        contract_word="canone", contract_items=["Canone noleggio contratto NL-{n}", "Canone assistenza contratto AS-{n}",
                                                 "Canone manutenzione contratto MA-{n}"],
        fees=["COMMISSIONI SU BONIFICI", "SPESE TENUTA CONTO", "IMPOSTA DI BOLLO E/C",
              "COMMISSIONE DISPOSIZIONE BONIFICO ESTERO", "CANONE SERVIZIO REMOTE BANKING",
              "SPESE INVIO CONTABILI"],
    ),
    "nl": dict(
        cc="NL", start=date(2026, 2, 16), vat="0.21", currency="EUR",
        company="Van Dijk Installatietechniek B.V.", company_short="VAN DIJK INSTALLATIETECHNIEK",
        bank="Noordbank N.V.", encoding="latin-1",
        inv=("FACT", 5), cn=("CRN", 5), sup_id="INK",
        payroll_day=date(2026, 2, 25), tax_days=[date(2026, 2, 27), date(2026, 2, 26)],
        social_days=[date(2026, 2, 27)], fee_days=[date(2026, 2, 16), date(2026, 2, 27)],
        terms=[14, 14, 30, 30, 30, 60], skonto_share=0.15, name_limit=70,
        price_list=["121.00", "242.00", "363.00", "605.00", "1210.00", "60.50", "181.50", "302.50",
                    "847.00", "2420.00", "96.80", "72.60"],
        contract_word="huur", contract_items=["Huur container contract HC-{n}", "Onderhoudscontract OC-{n}",
                                               "Huur steiger contract HS-{n}"],
        fees=["Kosten zakelijk betalen", "Kosten betaalpakket Zakelijk", "Kosten buitenlandse betaling",
              "Kosten Tikkie/iDEAL ontvangsten", "Rente en kosten kwartaal"],
    ),
}

# creditors collecting by SEPA direct debit: (name, has_items, ref style, amount range cents)
DD_CREDITORS = {
    "de": [("Telekom Deutschland GmbH", True, "num12", (18000, 65000)), ("Vodafone GmbH", True, "num10", (9000, 32000)),
           ("E.ON Energie Deutschland GmbH", True, "num12", (80000, 420000)),
           ("Stadtwerke Wetzlar GmbH", True, "sw", (25000, 180000)), ("DATEV eG", True, "num8", (12000, 90000)),
           ("Deutsche Leasing AG", True, "lv", (95000, 480000)), ("Allianz Versicherungs-AG", False, "", (20000, 250000)),
           ("ARAL AG Tankkarten", False, "", (30000, 190000)), ("Rundfunk ARD ZDF DRadio", False, "", (5508, 5508)),
           ("IHK Lahn-Dill", False, "", (15000, 60000)), ("Berufsgenossenschaft Holz und Metall", False, "", (60000, 340000))],
    "es": [("Telefónica de España S.A.U.", True, "tf", (9000, 45000)), ("Iberdrola Clientes S.A.U.", True, "num12", (60000, 380000)),
           ("Endesa Energía S.A.U.", True, "num10", (40000, 250000)), ("Vodafone España S.A.U.", True, "num10", (6000, 25000)),
           ("BBVA Renting S.A.", True, "lv", (70000, 300000)), ("Mapfre España S.A.", False, "", (15000, 220000)),
           ("Solred S.A.", False, "", (25000, 160000)), ("Securitas Direct España S.A.U.", False, "", (4900, 9900)),
           ("Aguas de Valencia S.A.", True, "num8", (5000, 40000))],
    "it": [("TIM S.p.A.", True, "tim", (9000, 42000)), ("Enel Energia S.p.A.", True, "num12", (70000, 450000)),
           ("Hera Comm S.p.A.", True, "num10", (20000, 160000)), ("Vodafone Italia S.p.A.", True, "num10", (5000, 20000)),
           ("Leasys S.p.A.", True, "lv", (60000, 260000)), ("Generali Italia S.p.A.", False, "", (20000, 260000)),
           ("Telepass S.p.A.", False, "", (8000, 60000)), ("Kuwait Petroleum Italia S.p.A.", False, "", (30000, 180000))],
    "nl": [("KPN B.V.", True, "num10", (8000, 38000)), ("Vattenfall Klantenservice N.V.", True, "num12", (60000, 390000)),
           ("Eneco Zakelijk B.V.", True, "num10", (30000, 210000)), ("Ziggo Services B.V.", True, "num8", (6000, 16000)),
           ("LeasePlan Nederland N.V.", True, "lv", (70000, 290000)), ("Achmea Schadeverzekeringen N.V.", False, "", (15000, 210000)),
           ("Shell Nederland Verkoopmaatschappij B.V.", False, "", (25000, 170000)), ("Exact Software Nederland B.V.", False, "", (9900, 34900)),
           ("Waternet", True, "num8", (4000, 30000))],
}

TAX = {
    "de": [("Finanzamt Wetzlar", "StNr 039 228 51064 UST-VA 01.26"), ("Finanzamt Wetzlar", "StNr 039 228 51064 LSt 02.26"),
           ("Stadt Wetzlar", "Gewerbesteuer-Vorauszahlung I/2026 Kassenz. 5.0021.004117.3")],
    "es": [("AGENCIA TRIBUTARIA", "IMPUESTOS AEAT MODELO 303 4T 2025 NRC {nrc}"),
           ("AGENCIA TRIBUTARIA", "IMPUESTOS AEAT MODELO 111 4T 2025 NRC {nrc}"),
           ("AGENCIA TRIBUTARIA", "IMPUESTOS AEAT MODELO 115 4T 2025 NRC {nrc}")],
    "it": [("AGENZIA DELLE ENTRATE", "PAGAMENTO DELEGA F24 TELEMATICO PROT. {nrc} IVA 02/2026"),
           ("AGENZIA DELLE ENTRATE", "PAGAMENTO DELEGA F24 TELEMATICO PROT. {nrc} RITENUTE 02/2026")],
    "nl": [("BELASTINGDIENST", "{bk} omzetbelasting januari 2026"), ("BELASTINGDIENST", "{bk} loonheffingen januari 2026")],
}
SOCIAL = {
    "de": [("AOK Hessen", "Beitrag 02/2026 BN 51064228"), ("Techniker Krankenkasse", "Beitrag 02.2026 BNR 51064228"),
           ("BARMER", "SV-Beitrag 02/2026 51064228"), ("DAK-Gesundheit", "Beitragsnachweis 02/2026")],
    "es": [("TESORERIA GRAL SEGURIDAD SOCIAL", "SEGUROS SOCIALES TGSS REG. GENERAL 12/2025 CCC 46/1234567/89"),
           ("TESORERIA GRAL SEGURIDAD SOCIAL", "TGSS COTIZACION 12/2025 AUTONOMOS")],
    "it": [("INPS", "PAGAMENTO DELEGA F24 PROT. {nrc} CONTRIBUTI INPS 02/2026"),
           ("FONDO COMETA", "VERSAMENTO CONTRIBUTI FONDO PENSIONE IV TRIM 2025")],
    "nl": [("Stichting Pensioenfonds Metalektro", "Premie februari 2026 werkgeversnr 112233"),
           ("Stichting Pensioenfonds PMT", "Premienota 2026-02 relatienr 556677")],
}
CARD = {
    "de": ["ARAL Station 2104 Wetzlar", "HORNBACH Baumarkt Giessen", "Amazon EU S.a r.L.", "Shell 2288 Limburg",
           "WUERTH Niederlassung Wetzlar", "IKEA Wallau", "Deutsche Bahn Vertrieb", "METRO Cash+Carry Giessen"],
    "es": ["REPSOL E.S. VALENCIA", "LEROY MERLIN PATERNA", "AMAZON EU SARL", "CEPSA PATERNA", "MERCADONA 1234",
           "RENFE VIAJEROS", "BRICOMART VALENCIA"],
    "it": ["ENI STATION BERGAMO", "LEROY MERLIN CURNO", "AMAZON EU SARL", "Q8 DALMINE", "AUTOGRILL S.P.A.",
           "TRENITALIA", "BRICOMAN"],
    "nl": ["Shell Zwolle", "Gamma Deventer", "Bol.com", "Praxis Apeldoorn", "Technische Unie", "NS Groep",
           "Hornbach Zwolle"],
}
ACQUIRER = {
    "de": [("SumUp Limited", "SumUp Payout {d} {id}"), ("PAYONE GmbH", "Abrechnung Kartenumsaetze {d} VU {id}")],
    "es": [("REDSYS SERVICIOS", "LIQUIDACION TPV COMERCIO {id} {d}"), ("GLOBAL PAYMENTS", "ABONO TPV {id} {d}")],
    "it": [("NEXI PAYMENTS S.P.A.", "ACCREDITO POS ESERC. {id} DEL {d}"), ("SUMUP", "SUMUP PAYOUT {id}")],
    "nl": [("Stichting Mollie Payments", "Mollie uitbetaling {id} {d}"), ("Worldline", "Uitbetaling pintransacties {d} {id}")],
}
OTHER_IN = {
    "de": [("Allianz Versicherungs-AG", "Schadenzahlung SNR 4711-2026-0815"), ("Finanzamt Wetzlar", "Erstattung USt 12.25 StNr 039 228 51064"),
           ("AOK Hessen", "Erstattung U1 Umlage 01/2026"), ("", "Habenzinsen 02/2026"), ("", "Bareinzahlung Filiale Wetzlar")],
    "es": [("MAPFRE ESPAÑA", "INDEMNIZACION SINIESTRO 2026/00123"), ("AGENCIA TRIBUTARIA", "DEVOLUCION IMPUESTOS MOD. 303"),
           ("", "INGRESO EN EFECTIVO OFICINA 2134"), ("", "ABONO INTERESES")],
    "it": [("GENERALI ITALIA", "RIMBORSO SINISTRO N. 2026/1234"), ("AGENZIA DELLE ENTRATE", "RIMBORSO CREDITO IVA 2024"),
           ("", "VERSAMENTO CONTANTI FILIALE"), ("", "INTERESSI CREDITORI")],
    "nl": [("Achmea Schadeverzekeringen N.V.", "Schade-uitkering 2026-123456"), ("BELASTINGDIENST", "Teruggaaf omzetbelasting 4e kw 2025"),
           ("UWV", "Uitkering ziekengeld werknemer 123456789"), ("", "Storting contant geld")],
}

# --------------------------------------------------------------------------------------------
# wording templates
# --------------------------------------------------------------------------------------------
TPL = {
    "de": dict(
        single_word=["Rechnung {r}", "Rechnung Nr. {r}", "Rg. {r}", "Rg.-Nr. {r}", "Re-Nr. {r}", "RgNr {r}",
                     "Rechnungsnr. {r}", "Ihre Rechnung {r}", "Ausgleich Rechnung {r}", "Zahlung Rg {r}",
                     "Rechnung {r} vom {idate}", "Kd-Nr. {cust} Rg. {r}", "Rg. {r} Kd.Nr. {cust}"],
        single_pref=["{r}", "{r}", "{r}", "Rechnung {r}", "{r} Kd-Nr. {cust}", "{r} vom {idate}", "Zahlung {r}",
                     "Ausgleich {r}", "RECHNUNG {r}", "Kundennr. {cust} {r}"],
        multi=["{rs}", "Rechnungen {rs}", "Sammelzahlung {rs}", "Ausgleich {rs}", "RE {rs}", "Rechnungen {rs} Kd-Nr. {cust}"],
        multi_word=["Rg. {rs}", "Rechnungen {rs}", "Rechnung Nr. {rs}", "Re-Nr. {rs}"],
        joins=[", ", " ", " + ", " u. ", "/"],
        one_quoted=["{r} u.a.", "Sammelzahlung {r} ff.", "{r} und weitere", "Rechnungen {r} etc", "Zahlung {r}", "{r}",
                    "{r}", "Rechnung {r}"],
        none_quoted=["Sammelzahlung", "Sammelüberweisung lt. Avis", "Zahlung lt. Avis vom {adate}",
                     "offene Rechnungen {mon}", "Ausgleich offener Posten", "Zahlung Rechnungen",
                     "Kontoausgleich Kd-Nr. {cust}", "ZAHLUNGSAVIS {avis}"],
        cn_num=["{r} abzgl. Gutschrift {c}", "Rechnung {r} ./. GS {c}", "{r} minus Gutschrift {c}",
                "Rg {r} abzüglich {c}", "{r} verrechnet mit Gutschrift {c}", "{r} {c}"],
        cn_nonum=["{r} abzgl. Gutschrift", "Rechnung {r} ./. Gutschrift", "{r} abzueglich Gutschrift",
                  "{r} abzgl. Retoure"],
        skonto=["{r} abzgl. {pct} Skonto", "{r} ./. {pct} Skonto", "Rechnung {r} abzüglich {pct} Skonto",
                "{r} Skonto {damt}", "{r} abzgl. Skonto {damt} EUR", "{r} unter Abzug von {pct} Skonto"],
        partial=["Teilzahlung {r}", "Teilzahlung Rechnung {r}", "Abschlag {r}", "Teilbetrag Rg. {r}",
                 "{r} Teilzahlung", "Akonto {r}"],
        instal=["{k}. Rate {r}", "Rate {k}/{n} {r}", "Ratenzahlung {k}/{n} Rechnung {r}", "{r} Rate {k} von {n}"],
        generic=["Zahlung", "Rechnungsausgleich", "Ihre Rechnung", "Begleichung Rechnung", "Überweisung",
                 "Rechnung", "Zahlung offener Betrag", "Kd-Nr. {cust}", "Kundennummer {cust}"],
        date_named=["Rechnung vom {idate}", "Ihre Rechnung vom {idate}", "Rg. v. {idate}", "Rechnung v. {idate_s}"],
        month=["Miete {M} {Y}", "Miete {M}", "Mietzahlung {MM}/{Y}", "Miete {Mab}. {Y}", "{W} {M} {Y}", "Miete {M} {contract}"],
        month_generic=["Miete", "Mietzahlung", "Miete {contract}", "Dauerauftrag Miete", "{W}"],
        prepay=["Vorauszahlung", "Vorkasse Auftrag {ab}", "Anzahlung lt. AB {ab}", "Zahlung Proforma {ab}"],
        unknown=["Rechnung", "Zahlung Rechnung", "Begleichung", "Rechnung vom {idate}", "Ihre Rechnung"],
        sup_single=["Rechnung {r} Kd-Nr. {ourno}", "Re. {r}", "RG {r} KDNR {ourno}", "{r}", "Rechnung {r}"],
        sup_multi=["Rechnungen {rs}", "Re. {rs} Kd-Nr. {ourno}"],
        sup_skonto=["Re {r} abzgl. {pct} Skonto", "Rechnung {r} ./. Skonto {damt}", "{r} Skonto {pct}"],
        parent_tail=["für {sub}", "i.A. {sub}", "Kunde {sub}", ""],
        refund=["Gutschrift {r}", "Erstattung Gutschrift {r}", "Rückerstattung {r}", "GS {r} Erstattung"],
        payroll="Lohn/Gehalt {MM}/{Y} PNr {pn}",
        weekly_kw="Wochenabrechnung KW {kw:02d}/{Y}", weekly_plain="Wochenabrechnung",
        batch="SAMMLER {k} POSTEN ZAHLLAUF {d}",
        fx_info=["Orig.-Betrag {orig} EUR Entgelt Fremdbank {fee} EUR", "AUSLANDSZAHLUNG", "SWIFT {bic}"],
        out_fee="inkl. Entgelt {fee} EUR",
        words_invoice="Rechnung", plural_mon="{M}",
    ),
    "es": dict(
        single_word=["FACTURA {r}", "FRA {r}", "FRA. {r}", "N/FRA {r}", "S/FRA {r}", "FACT. {r}", "FACTURA N {r}",
                     "FACTURA Nº {r}", "PAGO FRA {r}", "PAGO FACTURA {r}", "FRA Nº {r} DE {idate}"],
        single_pref=["{r}", "{r}", "PAGO {r}", "FACTURA {r}", "S/FRA {r}", "PAGO FACTURA {r}", "LIQUIDACION {r}",
                     "{r} DE {idate}", "{r} CLIENTE {cust}"],
        multi=["FRAS {rs}", "FACTURAS {rs}", "PAGO FRAS {rs}", "{rs}", "LIQUIDACION FRAS {rs}"],
        multi_word=["FRAS {rs}", "FACTURAS {rs}", "PAGO FRAS Nº {rs}", "N/FRAS {rs}"],
        joins=[", ", " Y ", " - ", " ", "/"],
        one_quoted=["PAGO {r} Y OTRAS", "{r}", "FRAS {r} Y OTRAS", "LIQUIDACION {r} ETC", "PAGO FACTURAS {r}", "{r}"],
        none_quoted=["PAGO FACTURAS", "PAGO SEGUN RELACION ADJUNTA", "LIQUIDACION FACTURAS {mon}", "PAGO FRAS {mon}",
                     "REMESA PAGO PROVEEDORES", "PAGO PENDIENTE", "PAGO S/RELACION {avis}"],
        cn_num=["{r} MENOS ABONO {c}", "FRA {r} DESCONTADO ABONO {c}", "{r} - {c}", "PAGO {r} DEDUCIDO ABONO {c}",
                "{r} COMPENSADO CON {c}", "{r} {c}"],
        cn_nonum=["{r} MENOS ABONO", "FRA {r} DESCONTADO ABONO", "{r} DEDUCIDA RECTIFICATIVA", "{r} MENOS DEVOLUCION"],
        skonto=["{r} DTO PRONTO PAGO {pct}", "{r} MENOS {pct} PRONTO PAGO", "FRA {r} DTO. P.P. {pct}",
                "PAGO {r} CON DESCUENTO {pct}", "{r} DTO {damt}"],
        partial=["PAGO PARCIAL {r}", "A CUENTA FRA {r}", "ENTREGA A CUENTA {r}", "PAGO A CUENTA {r}", "{r} PARCIAL"],
        instal=["PLAZO {k}/{n} FRA {r}", "{k}º PLAZO {r}", "PAGO {k} DE {n} {r}", "VTO {k}/{n} {r}"],
        generic=["PAGO", "PAGO FACTURA", "TRANSFERENCIA", "SU FACTURA", "PAGO PROVEEDOR", "LIQUIDACION",
                 "PAGO PENDIENTE", "CLIENTE {cust}"],
        date_named=["FACTURA DE {idate}", "FRA DE FECHA {idate}", "S/FRA {idate}", "PAGO FRA {idate_s}"],
        month=["CUOTA {M} {Y}", "CUOTA {M}", "CUOTA MANTENIMIENTO {M}", "MENSUALIDAD {M} {Y}", "{W} {M}",
               "CUOTA {MM}/{Y}", "RECIBO {M} {contract}"],
        month_generic=["CUOTA MENSUAL", "CUOTA", "{W}", "MENSUALIDAD", "CUOTA {contract}"],
        prepay=["ANTICIPO PEDIDO {ab}", "PAGO PROFORMA {ab}", "PAGO ANTICIPADO PEDIDO {ab}", "PROVISION DE FONDOS"],
        unknown=["PAGO FACTURA", "FACTURA", "PAGO", "PAGO FRA DE {idate}"],
        sup_single=["PAGO FRA {r}", "S/FRA {r}", "FACTURA {r} CLIENTE {ourno}", "{r}", "PAGO {r}"],
        sup_multi=["PAGO FRAS {rs}", "S/FRAS {rs} CLIENTE {ourno}"],
        sup_skonto=["S/FRA {r} DTO PP {pct}", "PAGO {r} MENOS {pct} PRONTO PAGO"],
        parent_tail=["POR CUENTA DE {sub}", "PAGO POR {sub}", "CLIENTE {sub}", ""],
        refund=["ABONO {r}", "DEVOLUCION ABONO {r}", "REEMBOLSO {r}", "RECTIFICATIVA {r}"],
        payroll="NOMINA {MU} {Y}",
        weekly_kw="SEMANA {kw:02d}/{Y}", weekly_plain="LIQUIDACION SEMANAL",
        batch="REMESA TRANSFERENCIAS {k} ORDENES {d}",
        fx_info=["IMPORTE ORIGEN {orig} EUR GASTOS {fee} EUR", "TRANSFERENCIA INTERNACIONAL", "BIC {bic}"],
        out_fee="GASTOS {fee} EUR INCLUIDOS",
        words_invoice="FACTURA", plural_mon="{MU}",
    ),
    "it": dict(
        single_word=["FATTURA N. {r}", "FATTURA {r}", "FT {r}", "FT. N. {r}", "FATT. {r}", "FATT. NR {r}",
                     "SALDO FATTURA {r}", "SALDO FT {r}", "PAGAMENTO FATTURA N. {r} DEL {idate}",
                     "SALDO FT. N. {r} DEL {idate}", "RIF. FT {r}"],
        single_pref=["{r}", "SALDO {r}", "PAGAMENTO {r}", "SALDO {r} DEL {idate}", "RIF. {r}", "{r} DEL {idate}",
                     "PAG. {r}", "SALDO {r}", "{r} COD. CLIENTE {cust}"],
        multi=["SALDO FATTURE {rs}", "FT {rs}", "PAGAMENTO FATTURE {rs}", "SALDO {rs}", "FATT. {rs}"],
        multi_word=["SALDO FATTURE N. {rs}", "FT {rs}", "FATT. NR {rs}", "SALDO FT {rs}"],
        joins=[" - ", ", ", " E ", " ", "+"],
        one_quoted=["SALDO {r} E ALTRE", "{r}", "PAGAMENTO FATTURE {r} ECC", "SALDO {r} + ALTRE", "SALDO {r}"],
        none_quoted=["SALDO FATTURE", "SALDO ESTRATTO CONTO", "PAGAMENTO FATTURE {mon}", "SALDO E/C AL {adate}",
                     "PAGAMENTO FORNITORI", "SALDO PARTITE APERTE"],
        cn_num=["{r} MENO NC {c}", "SALDO {r} DEDOTTA NOTA DI CREDITO {c}", "{r} - {c}", "FT {r} AL NETTO NC {c}",
                "SALDO {r} COMPENSATA NC {c}", "{r} {c}"],
        cn_nonum=["{r} MENO NOTA DI CREDITO", "SALDO {r} DEDOTTA NC", "{r} AL NETTO NOTA CREDITO", "{r} DEDOTTO RESO"],
        skonto=["SALDO {r} SCONTO {pct}", "{r} MENO SCONTO {pct}", "{r} ABBUONO {pct} PAG. ANTICIPATO",
                "SALDO {r} DEDOTTO SCONTO CASSA {pct}", "{r} SCONTO {damt}"],
        partial=["ACCONTO {r}", "ACCONTO FATTURA {r}", "PAGAMENTO PARZIALE {r}", "ACC. {r}", "ANTICIPO SU {r}"],
        instal=["RATA {k}/{n} {r}", "{k}A RATA {r}", "RATA {k} DI {n} FT {r}", "RATA {k}/{n} FATTURA {r}"],
        generic=["SALDO", "PAGAMENTO", "SALDO FATTURA", "PAGAMENTO FORNITURA", "BONIFICO", "SALDO VS FATTURA",
                 "COD. CLIENTE {cust}"],
        date_named=["SALDO FATTURA DEL {idate}", "FATTURA DEL {idate}", "VS FT DEL {idate}", "SALDO FT DEL {idate_s}"],
        month=["CANONE {MU} {Y}", "CANONE MESE DI {MU}", "CANONE {MU}", "RATA MENSILE {MU} {Y}", "{W} {MU} {Y}",
               "CANONE {MM}/{Y}", "CANONE {MU} {contract}"],
        month_generic=["CANONE MENSILE", "CANONE", "{W}", "RATA CANONE", "CANONE {contract}"],
        prepay=["ANTICIPO ORDINE {ab}", "PAGAMENTO PROFORMA {ab}", "ACCONTO ORDINE {ab}", "ANTICIPO CONFERMA D'ORDINE {ab}"],
        unknown=["SALDO FATTURA", "PAGAMENTO", "SALDO", "FATTURA DEL {idate}"],
        sup_single=["SALDO FT {r}", "PAGAMENTO FATTURA {r}", "VS FATTURA {r} COD. CLIENTE {ourno}", "{r}", "FT {r}"],
        sup_multi=["SALDO FATTURE {rs}", "VS FATTURE {rs}"],
        sup_skonto=["SALDO FT {r} SCONTO {pct}", "FATTURA {r} MENO SCONTO CASSA {pct}"],
        parent_tail=["PER CONTO DI {sub}", "PAGAMENTO PER {sub}", "CLIENTE {sub}", ""],
        refund=["RIMBORSO NC {r}", "NOTA DI CREDITO {r}", "RESTITUZIONE {r}", "STORNO {r}"],
        payroll="STIPENDIO {MU} {Y}",
        weekly_kw="SETTIMANA {kw:02d}/{Y}", weekly_plain="ADDEBITO SETTIMANALE",
        batch="DISPOSIZIONE CUMULATIVA BONIFICI N. {k} DEL {d}",
        fx_info=["IMPORTO ORIGINALE {orig} EUR SPESE {fee} EUR", "BONIFICO DALL'ESTERO", "BIC ORD. {bic}"],
        out_fee="SPESE {fee} EUR",
        words_invoice="FATTURA", plural_mon="{MU}",
    ),
    "nl": dict(
        single_word=["factuur {r}", "Factuur {r}", "fact {r}", "Factuurnr {r}", "factuurnummer {r}", "fnr {r}",
                     "betaling factuur {r}", "factuur nr. {r}", "Fact. {r}", "factuur {r} d.d. {idate}"],
        single_pref=["{r}", "{r}", "{r}", "Factuur {r}", "betaling {r}", "{r} debiteurnr {cust}", "Factuur {r} d.d. {idate}",
                     "{r} klantnr {cust}"],
        multi=["facturen {rs}", "{rs}", "Betaling facturen {rs}", "fact {rs}"],
        multi_word=["facturen {rs}", "factuurnrs {rs}", "fact {rs}"],
        joins=[" ", ", ", " en ", " + ", "/"],
        one_quoted=["{r} e.a.", "{r} en andere", "facturen {r} ev", "{r}", "Verzamelbetaling {r}", "{r}"],
        none_quoted=["Verzamelbetaling", "betaling facturen", "zie specificatie", "Betaling conform specificatie {avis}",
                     "Openstaande posten", "facturen {mon}"],
        cn_num=["{r} minus creditnota {c}", "{r} verrekend met {c}", "factuur {r} - creditnota {c}", "{r} -/- {c}", "{r} {c}"],
        cn_nonum=["{r} minus creditnota", "{r} verrekend met creditnota", "factuur {r} -/- credit", "{r} na aftrek retour"],
        skonto=["{r} -/- {pct} korting", "{r} minus {pct} betalingskorting", "factuur {r} {pct} kredietbeperking",
                "{r} {pct} korting bij betaling binnen 10 dgn", "{r} korting {damt}"],
        partial=["deelbetaling {r}", "Deelbetaling factuur {r}", "aanbetaling {r}", "gedeeltelijke betaling {r}",
                 "{r} deelbetaling"],
        instal=["termijn {k}/{n} {r}", "{k}e termijn {r}", "termijn {k} van {n} factuur {r}", "betalingsregeling {k}/{n} {r}"],
        generic=["betaling", "Factuur", "betaling factuur", "Overboeking", "voldaan", "Betaling openstaand bedrag",
                 "debiteurnr {cust}"],
        date_named=["factuur d.d. {idate}", "Factuur van {idate}", "fact dd {idate}", "uw factuur {idate_s}"],
        month=["huur {M} {Y}", "Huur {M}", "{W} {M} {Y}", "termijn {M}", "huur {MM}-{Y}", "Huur {Mab} {Y}",
               "{W} {M} {contract}"],
        month_generic=["huur", "Huur bedrijfsruimte", "{W}", "maandtermijn", "{W} {contract}"],
        prepay=["vooruitbetaling order {ab}", "aanbetaling opdracht {ab}", "proforma {ab}", "vooruitbetaling"],
        unknown=["betaling", "factuur", "Betaling factuur", "factuur d.d. {idate}"],
        sup_single=["factuur {r}", "Fact {r} klantnr {ourno}", "{r}", "Uw factuur {r}", "factuurnr {r}"],
        sup_multi=["facturen {rs}", "Uw facturen {rs} klantnr {ourno}"],
        sup_skonto=["factuur {r} -/- {pct} korting", "{r} minus betalingskorting {damt}"],
        parent_tail=["namens {sub}", "t.b.v. {sub}", "inzake {sub}", ""],
        refund=["creditnota {r}", "terugbetaling creditnota {r}", "restitutie {r}", "credit {r}"],
        payroll="Salaris {M} {Y} pnr {pn}",
        weekly_kw="weekfactuur week {kw:02d}-{Y}", weekly_plain="weekfactuur",
        batch="Verzamelbetaling {k} posten batch {d}",
        fx_info=["Oorspr. bedrag {orig} EUR kosten {fee} EUR", "Buitenlandse betaling", "BIC {bic}"],
        out_fee="incl. kosten {fee} EUR",
        words_invoice="factuur", plural_mon="{M}",
    ),
}


def fmt_date(lang, d, short=False):
    if lang == "de":
        return d.strftime("%d.%m.%y" if short else "%d.%m.%Y")
    if lang == "es":
        return d.strftime("%d-%m-%y" if short else "%d/%m/%Y")
    if lang == "it":
        return d.strftime("%d.%m.%y" if short else "%d/%m/%Y")
    return f"{d.day}-{d.month}-{d.year}" if short else d.strftime("%d-%m-%Y")


def fmt_num(lang, x, thousands=True):
    """Decimal -> text as a payer or bank writes it (decimal comma everywhere here)."""
    s = f"{abs(x):,.2f}" if thousands else f"{abs(x):.2f}"
    s = s.replace(",", "X").replace(".", ",").replace("X", ".")
    return ("-" if x < 0 else "") + s


def fmt_pct(rng, rate):
    p = (rate * 100).normalize()
    p = str(p).replace(".", ",")
    return rng.choice([f"{p}%", f"{p} %", f"{p}%"])

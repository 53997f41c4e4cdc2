"""Labels for the codes the register stores: ISCED-F 2013 fields of education and training, countries and EQF
levels. People read labels; codes stay in the JSON documents and the credentials.

ISCED-F 2013 (UNESCO Institute for Statistics, "International Standard Classification of Education: Fields of
education and training 2013", English and French editions): broad (2 digits), narrow (3) and detailed (4) fields.
Codes ending in 0 ("not further defined"), 8 (inter-disciplinary) and 9 ("not elsewhere classified") are named
from their parent field. A language besides English and French adds one key per entry here (or falls back to
English)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from .text import pick

_ISCED_F: dict[str, tuple[str, str]] = {
    # broad fields
    "00": ("Generic programmes and qualifications", "Programmes et certifications génériques"),
    "01": ("Education", "Éducation"),
    "02": ("Arts and humanities", "Arts et lettres"),
    "03": ("Social sciences, journalism and information", "Sciences sociales, journalisme et information"),
    "04": ("Business, administration and law", "Commerce, administration et droit"),
    "05": (
        "Natural sciences, mathematics and statistics",
        "Sciences naturelles, mathématiques et statistiques",
    ),
    "06": (
        "Information and communication technologies",
        "Technologies de l'information et de la communication",
    ),
    "07": (
        "Engineering, manufacturing and construction",
        "Ingénierie, industries de transformation et construction",
    ),
    "08": (
        "Agriculture, forestry, fisheries and veterinary",
        "Agriculture, sylviculture, halieutique et sciences vétérinaires",
    ),
    "09": ("Health and welfare", "Santé et protection sociale"),
    "10": ("Services", "Services"),
    "99": ("Field unknown", "Domaine inconnu"),
    # narrow fields
    "001": ("Basic programmes and qualifications", "Programmes et certifications de base"),
    "002": ("Literacy and numeracy", "Alphabétisation et apprentissage du calcul"),
    "003": ("Personal skills and development", "Compétences personnelles et développement"),
    "011": ("Education", "Éducation"),
    "021": ("Arts", "Arts"),
    "022": ("Humanities (except languages)", "Lettres (sauf langues)"),
    "023": ("Languages", "Langues"),
    "031": ("Social and behavioural sciences", "Sciences sociales et comportementales"),
    "032": ("Journalism and information", "Journalisme et information"),
    "041": ("Business and administration", "Commerce et administration"),
    "042": ("Law", "Droit"),
    "051": ("Biological and related sciences", "Sciences biologiques et apparentées"),
    "052": ("Environment", "Environnement"),
    "053": ("Physical sciences", "Sciences physiques"),
    "054": ("Mathematics and statistics", "Mathématiques et statistiques"),
    "061": (
        "Information and communication technologies",
        "Technologies de l'information et de la communication",
    ),
    "071": ("Engineering and engineering trades", "Ingénierie et techniques apparentées"),
    "072": ("Manufacturing and processing", "Industries de transformation"),
    "073": ("Architecture and construction", "Architecture et construction"),
    "081": ("Agriculture", "Agriculture"),
    "082": ("Forestry", "Sylviculture"),
    "083": ("Fisheries", "Halieutique"),
    "084": ("Veterinary", "Sciences vétérinaires"),
    "091": ("Health", "Santé"),
    "092": ("Welfare", "Protection sociale"),
    "101": ("Personal services", "Services aux particuliers"),
    "102": ("Hygiene and occupational health services", "Services d'hygiène et de santé au travail"),
    "103": ("Security services", "Services de sécurité"),
    "104": ("Transport services", "Services de transport"),
    "999": ("Field unknown", "Domaine inconnu"),
    # detailed fields
    "0011": ("Basic programmes and qualifications", "Programmes et certifications de base"),
    "0021": ("Literacy and numeracy", "Alphabétisation et apprentissage du calcul"),
    "0031": ("Personal skills and development", "Compétences personnelles et développement"),
    "0111": ("Education science", "Sciences de l'éducation"),
    "0112": ("Training for pre-school teachers", "Formation des enseignants du préprimaire"),
    "0113": (
        "Teacher training without subject specialisation",
        "Formation des enseignants sans spécialisation",
    ),
    "0114": ("Teacher training with subject specialisation", "Formation des enseignants avec spécialisation"),
    "0211": (
        "Audio-visual techniques and media production",
        "Techniques audiovisuelles et production médiatique",
    ),
    "0212": ("Fashion, interior and industrial design", "Mode, décoration intérieure et design industriel"),
    "0213": ("Fine arts", "Beaux-arts"),
    "0214": ("Handicrafts", "Artisanat"),
    "0215": ("Music and performing arts", "Musique et arts du spectacle"),
    "0221": ("Religion and theology", "Religion et théologie"),
    "0222": ("History and archaeology", "Histoire et archéologie"),
    "0223": ("Philosophy and ethics", "Philosophie et éthique"),
    "0231": ("Language acquisition", "Apprentissage des langues"),
    "0232": ("Literature and linguistics", "Littérature et linguistique"),
    "0311": ("Economics", "Économie"),
    "0312": ("Political sciences and civics", "Sciences politiques et éducation civique"),
    "0313": ("Psychology", "Psychologie"),
    "0314": ("Sociology and cultural studies", "Sociologie et études culturelles"),
    "0321": ("Journalism and reporting", "Journalisme et reportage"),
    "0322": ("Library, information and archival studies", "Bibliothéconomie, information et archivistique"),
    "0411": ("Accounting and taxation", "Comptabilité et fiscalité"),
    "0412": ("Finance, banking and insurance", "Finance, banque et assurance"),
    "0413": ("Management and administration", "Gestion et administration"),
    "0414": ("Marketing and advertising", "Marketing et publicité"),
    "0415": ("Secretarial and office work", "Secrétariat et travail de bureau"),
    "0416": ("Wholesale and retail sales", "Commerce de gros et de détail"),
    "0417": ("Work skills", "Compétences professionnelles"),
    "0421": ("Law", "Droit"),
    "0511": ("Biology", "Biologie"),
    "0512": ("Biochemistry", "Biochimie"),
    "0521": ("Environmental sciences", "Sciences de l'environnement"),
    "0522": ("Natural environments and wildlife", "Milieux naturels et faune sauvage"),
    "0531": ("Chemistry", "Chimie"),
    "0532": ("Earth sciences", "Sciences de la Terre"),
    "0533": ("Physics", "Physique"),
    "0541": ("Mathematics", "Mathématiques"),
    "0542": ("Statistics", "Statistique"),
    "0611": ("Computer use", "Utilisation des ordinateurs"),
    "0612": (
        "Database and network design and administration",
        "Conception et administration de bases de données et de réseaux",
    ),
    "0613": (
        "Software and applications development and analysis",
        "Conception et analyse de logiciels et d'applications",
    ),
    "0711": ("Chemical engineering and processes", "Génie chimique et procédés"),
    "0712": ("Environmental protection technology", "Technologies de protection de l'environnement"),
    "0713": ("Electricity and energy", "Électricité et énergie"),
    "0714": ("Electronics and automation", "Électronique et automatisation"),
    "0715": ("Mechanics and metal trades", "Mécanique et travail des métaux"),
    "0716": ("Motor vehicles, ships and aircraft", "Véhicules à moteur, navires et aéronefs"),
    "0721": ("Food processing", "Industrie alimentaire"),
    "0722": ("Materials (glass, paper, plastic and wood)", "Matériaux (verre, papier, plastique et bois)"),
    "0723": ("Textiles (clothes, footwear and leather)", "Textiles (vêtements, chaussures et cuir)"),
    "0724": ("Mining and extraction", "Mines et extraction"),
    "0731": ("Architecture and town planning", "Architecture et urbanisme"),
    "0732": ("Building and civil engineering", "Bâtiment et génie civil"),
    "0811": ("Crop and livestock production", "Production végétale et animale"),
    "0812": ("Horticulture", "Horticulture"),
    "0821": ("Forestry", "Sylviculture"),
    "0831": ("Fisheries", "Halieutique"),
    "0841": ("Veterinary", "Sciences vétérinaires"),
    "0911": ("Dental studies", "Études dentaires"),
    "0912": ("Medicine", "Médecine"),
    "0913": ("Nursing and midwifery", "Soins infirmiers et obstétrique"),
    "0914": (
        "Medical diagnostic and treatment technology",
        "Technologies de diagnostic et de traitement médicaux",
    ),
    "0915": ("Therapy and rehabilitation", "Thérapie et réadaptation"),
    "0916": ("Pharmacy", "Pharmacie"),
    "0917": (
        "Traditional and complementary medicine and therapy",
        "Médecine et thérapie traditionnelles et complémentaires",
    ),
    "0921": (
        "Care of the elderly and of disabled adults",
        "Soins aux personnes âgées et aux adultes handicapés",
    ),
    "0922": ("Child care and youth services", "Services à l'enfance et à la jeunesse"),
    "0923": ("Social work and counselling", "Travail social et conseil"),
    "1011": ("Domestic services", "Services domestiques"),
    "1012": ("Hair and beauty services", "Coiffure et soins de beauté"),
    "1013": ("Hotel, restaurants and catering", "Hôtellerie, restauration et traiteur"),
    "1014": ("Sports", "Sports"),
    "1015": ("Travel, tourism and leisure", "Voyages, tourisme et loisirs"),
    "1021": ("Community sanitation", "Assainissement public"),
    "1022": ("Occupational health and safety", "Santé et sécurité au travail"),
    "1031": ("Military and defence", "Forces armées et défense"),
    "1032": ("Protection of persons and property", "Protection des personnes et des biens"),
    "1041": ("Transport services", "Services de transport"),
    "9999": ("Field unknown", "Domaine inconnu"),
}

_COUNTRIES: dict[str, tuple[str, str]] = {
    "AT": ("Austria", "Autriche"),
    "BE": ("Belgium", "Belgique"),
    "BG": ("Bulgaria", "Bulgarie"),
    "CH": ("Switzerland", "Suisse"),
    "CY": ("Cyprus", "Chypre"),
    "CZ": ("Czechia", "Tchéquie"),
    "DE": ("Germany", "Allemagne"),
    "DK": ("Denmark", "Danemark"),
    "EE": ("Estonia", "Estonie"),
    "EL": ("Greece", "Grèce"),
    "ES": ("Spain", "Espagne"),
    "FI": ("Finland", "Finlande"),
    "FR": ("France", "France"),
    "GB": ("United Kingdom", "Royaume-Uni"),
    "GR": ("Greece", "Grèce"),
    "HR": ("Croatia", "Croatie"),
    "HU": ("Hungary", "Hongrie"),
    "IE": ("Ireland", "Irlande"),
    "IS": ("Iceland", "Islande"),
    "IT": ("Italy", "Italie"),
    "LI": ("Liechtenstein", "Liechtenstein"),
    "LT": ("Lithuania", "Lituanie"),
    "LU": ("Luxembourg", "Luxembourg"),
    "LV": ("Latvia", "Lettonie"),
    "MT": ("Malta", "Malte"),
    "NL": ("Netherlands", "Pays-Bas"),
    "NO": ("Norway", "Norvège"),
    "PL": ("Poland", "Pologne"),
    "PT": ("Portugal", "Portugal"),
    "RO": ("Romania", "Roumanie"),
    "SE": ("Sweden", "Suède"),
    "SI": ("Slovenia", "Slovénie"),
    "SK": ("Slovakia", "Slovaquie"),
    "UK": ("United Kingdom", "Royaume-Uni"),
}


def _texts(pair: tuple[str, str]) -> dict[str, str]:
    return {"en": pair[0], "fr": pair[1]}


def _derived_field(code: str) -> dict[str, str] | None:
    """A "not further defined", inter-disciplinary or "not elsewhere classified" field, named from its parent."""
    if len(code) not in (3, 4):
        return None
    broad = _ISCED_F.get(code[:2])
    if broad is not None and code[2] == "8" and (len(code) == 3 or code[3] == "8"):
        return {
            "en": f"Inter-disciplinary programmes involving {broad[0].lower()}",
            "fr": f"Programmes interdisciplinaires : {broad[1].lower()}",
        }
    parent = _ISCED_F.get(code[:-1])
    if parent is None:
        return None
    if code[-1] == "0":
        return {"en": f"{parent[0]}, not further defined", "fr": f"{parent[1]}, non défini plus précisément"}
    if code[-1] == "9":
        return {"en": f"{parent[0]}, not elsewhere classified", "fr": f"{parent[1]}, non classé ailleurs"}
    return None


def isced_f_label(code: str, lang: str | None = None) -> str:
    """The name of an ISCED-F 2013 field ('0542' -> 'Statistics'), '' for a code the classification lacks."""
    code = (code or "").strip()
    if code in _ISCED_F:
        return pick(_texts(_ISCED_F[code]), lang)
    derived = _derived_field(code)
    return pick(derived, lang) if derived else ""


def country_name(code: str, lang: str | None = None) -> str:
    """The name of a country from its ISO 3166 (or EU) two-letter code; the code itself when it is not listed."""
    code = (code or "").strip().upper()
    pair = _COUNTRIES.get(code)
    return pick(_texts(pair), lang) if pair else code


EQF_LEVELS: dict[int, object] = {
    1: gettext_lazy("Basic general knowledge; simple tasks carried out under direct supervision."),
    2: gettext_lazy(
        "Basic factual knowledge of a field of work or study; routine problems solved with simple rules, "
        "with some autonomy."
    ),
    3: gettext_lazy(
        "Knowledge of the facts, principles and processes of a field; tasks completed with responsibility "
        "for one's own work."
    ),
    4: gettext_lazy(
        "Broad factual and theoretical knowledge of a field; problems solved on one's own, supervising the "
        "routine work of others (e.g. an upper secondary school leaving certificate)."
    ),
    5: gettext_lazy(
        "Comprehensive, specialised knowledge; creative solutions to abstract problems; managing and "
        "supervising in changing contexts (e.g. short-cycle higher education)."
    ),
    6: gettext_lazy(
        "Advanced knowledge with a critical understanding of theories; managing complex projects and "
        "taking decisions (e.g. a Bachelor's degree)."
    ),
    7: gettext_lazy(
        "Highly specialised knowledge, partly at the forefront of a field; solving new problems and leading "
        "in complex, unpredictable contexts (e.g. a Master's degree)."
    ),
    8: gettext_lazy(
        "Knowledge at the most advanced frontier of a field; original research and innovation, with "
        "substantial authority and autonomy (e.g. a doctorate)."
    ),
}


def eqf_description(level: int | None) -> str:
    """What an EQF level means, in a sentence ('' for no level)."""
    if level is None or level not in EQF_LEVELS:
        return ""
    return str(EQF_LEVELS[level])


def eqf_url() -> str:
    """The European Commission's page explaining the EQF, in the reader's language when it has one."""
    lang = (get_language() or "en").split("-")[0]
    lang = lang if lang in ("en", "fr", "de", "es", "it") else "en"
    return f"https://europass.europa.eu/{lang}/description-eight-eqf-levels"


def eqf_level_label(level: int) -> str:
    return _("Level %(level)s") % {"level": level}


def credits_text(credits: Decimal | float | int | None) -> str:
    """'180 ECTS credits' (no '.0'), '7.5 ECTS credits' / '7,5 crédits ECTS'; '' for none."""
    if credits is None:
        return ""
    value = Decimal(str(credits))
    whole = value == value.to_integral_value()
    shown = number_format(int(value) if whole else value, decimal_pos=None if whole else 1, use_l10n=True)
    count = int(value) if whole else 2
    return ngettext("%(credits)s ECTS credit", "%(credits)s ECTS credits", count) % {"credits": shown}

"""ISO 3166-1 country codes and ISO 4217 currency codes, shipped with peir.

Country codes in the user-assigned ranges of ISO 3166-1 (``AAA``–``AAZ``, ``QMA``–``QZZ``,
``XAA``–``XZZ``, ``ZZA``–``ZZZ``) are accepted as valid: peir's synthetic generator uses them
(``XSA``…), and so do several international sources (``XKX`` Kosovo).
"""

from __future__ import annotations

import difflib
from functools import cache

from peir.chain import normalize_label

__all__ = [
    "COUNTRIES",
    "CURRENCIES",
    "country_hint",
    "is_country",
    "is_currency",
    "is_user_assigned",
]

# alpha-3, alpha-2, English short name
_COUNTRY_TABLE = """
ABW AW Aruba
AFG AF Afghanistan
AGO AO Angola
AIA AI Anguilla
ALA AX Aland Islands
ALB AL Albania
AND AD Andorra
ARE AE United Arab Emirates
ARG AR Argentina
ARM AM Armenia
ASM AS American Samoa
ATA AQ Antarctica
ATF TF French Southern Territories
ATG AG Antigua and Barbuda
AUS AU Australia
AUT AT Austria
AZE AZ Azerbaijan
BDI BI Burundi
BEL BE Belgium
BEN BJ Benin
BES BQ Bonaire, Sint Eustatius and Saba
BFA BF Burkina Faso
BGD BD Bangladesh
BGR BG Bulgaria
BHR BH Bahrain
BHS BS Bahamas
BIH BA Bosnia and Herzegovina
BLM BL Saint Barthelemy
BLR BY Belarus
BLZ BZ Belize
BMU BM Bermuda
BOL BO Bolivia
BRA BR Brazil
BRB BB Barbados
BRN BN Brunei Darussalam
BTN BT Bhutan
BVT BV Bouvet Island
BWA BW Botswana
CAF CF Central African Republic
CAN CA Canada
CCK CC Cocos (Keeling) Islands
CHE CH Switzerland
CHL CL Chile
CHN CN China
CIV CI Cote d'Ivoire
CMR CM Cameroon
COD CD Congo, Democratic Republic of the
COG CG Congo
COK CK Cook Islands
COL CO Colombia
COM KM Comoros
CPV CV Cabo Verde
CRI CR Costa Rica
CUB CU Cuba
CUW CW Curacao
CXR CX Christmas Island
CYM KY Cayman Islands
CYP CY Cyprus
CZE CZ Czechia
DEU DE Germany
DJI DJ Djibouti
DMA DM Dominica
DNK DK Denmark
DOM DO Dominican Republic
DZA DZ Algeria
ECU EC Ecuador
EGY EG Egypt
ERI ER Eritrea
ESH EH Western Sahara
ESP ES Spain
EST EE Estonia
ETH ET Ethiopia
FIN FI Finland
FJI FJ Fiji
FLK FK Falkland Islands (Malvinas)
FRA FR France
FRO FO Faroe Islands
FSM FM Micronesia
GAB GA Gabon
GBR GB United Kingdom
GEO GE Georgia
GGY GG Guernsey
GHA GH Ghana
GIB GI Gibraltar
GIN GN Guinea
GLP GP Guadeloupe
GMB GM Gambia
GNB GW Guinea-Bissau
GNQ GQ Equatorial Guinea
GRC GR Greece
GRD GD Grenada
GRL GL Greenland
GTM GT Guatemala
GUF GF French Guiana
GUM GU Guam
GUY GY Guyana
HKG HK Hong Kong
HMD HM Heard Island and McDonald Islands
HND HN Honduras
HRV HR Croatia
HTI HT Haiti
HUN HU Hungary
IDN ID Indonesia
IMN IM Isle of Man
IND IN India
IOT IO British Indian Ocean Territory
IRL IE Ireland
IRN IR Iran
IRQ IQ Iraq
ISL IS Iceland
ISR IL Israel
ITA IT Italy
JAM JM Jamaica
JEY JE Jersey
JOR JO Jordan
JPN JP Japan
KAZ KZ Kazakhstan
KEN KE Kenya
KGZ KG Kyrgyzstan
KHM KH Cambodia
KIR KI Kiribati
KNA KN Saint Kitts and Nevis
KOR KR Korea, Republic of
KWT KW Kuwait
LAO LA Lao People's Democratic Republic
LBN LB Lebanon
LBR LR Liberia
LBY LY Libya
LCA LC Saint Lucia
LIE LI Liechtenstein
LKA LK Sri Lanka
LSO LS Lesotho
LTU LT Lithuania
LUX LU Luxembourg
LVA LV Latvia
MAC MO Macao
MAF MF Saint Martin (French part)
MAR MA Morocco
MCO MC Monaco
MDA MD Moldova
MDG MG Madagascar
MDV MV Maldives
MEX MX Mexico
MHL MH Marshall Islands
MKD MK North Macedonia
MLI ML Mali
MLT MT Malta
MMR MM Myanmar
MNE ME Montenegro
MNG MN Mongolia
MNP MP Northern Mariana Islands
MOZ MZ Mozambique
MRT MR Mauritania
MSR MS Montserrat
MTQ MQ Martinique
MUS MU Mauritius
MWI MW Malawi
MYS MY Malaysia
MYT YT Mayotte
NAM NA Namibia
NCL NC New Caledonia
NER NE Niger
NFK NF Norfolk Island
NGA NG Nigeria
NIC NI Nicaragua
NIU NU Niue
NLD NL Netherlands
NOR NO Norway
NPL NP Nepal
NRU NR Nauru
NZL NZ New Zealand
OMN OM Oman
PAK PK Pakistan
PAN PA Panama
PCN PN Pitcairn
PER PE Peru
PHL PH Philippines
PLW PW Palau
PNG PG Papua New Guinea
POL PL Poland
PRI PR Puerto Rico
PRK KP Korea, Democratic People's Republic of
PRT PT Portugal
PRY PY Paraguay
PSE PS Palestine, State of
PYF PF French Polynesia
QAT QA Qatar
REU RE Reunion
ROU RO Romania
RUS RU Russian Federation
RWA RW Rwanda
SAU SA Saudi Arabia
SDN SD Sudan
SEN SN Senegal
SGP SG Singapore
SGS GS South Georgia and the South Sandwich Islands
SHN SH Saint Helena, Ascension and Tristan da Cunha
SJM SJ Svalbard and Jan Mayen
SLB SB Solomon Islands
SLE SL Sierra Leone
SLV SV El Salvador
SMR SM San Marino
SOM SO Somalia
SPM PM Saint Pierre and Miquelon
SRB RS Serbia
SSD SS South Sudan
STP ST Sao Tome and Principe
SUR SR Suriname
SVK SK Slovakia
SVN SI Slovenia
SWE SE Sweden
SWZ SZ Eswatini
SXM SX Sint Maarten (Dutch part)
SYC SC Seychelles
SYR SY Syrian Arab Republic
TCA TC Turks and Caicos Islands
TCD TD Chad
TGO TG Togo
THA TH Thailand
TJK TJ Tajikistan
TKL TK Tokelau
TKM TM Turkmenistan
TLS TL Timor-Leste
TON TO Tonga
TTO TT Trinidad and Tobago
TUN TN Tunisia
TUR TR Turkiye
TUV TV Tuvalu
TWN TW Taiwan
TZA TZ Tanzania
UGA UG Uganda
UKR UA Ukraine
UMI UM United States Minor Outlying Islands
URY UY Uruguay
USA US United States of America
UZB UZ Uzbekistan
VAT VA Holy See
VCT VC Saint Vincent and the Grenadines
VEN VE Venezuela
VGB VG Virgin Islands (British)
VIR VI Virgin Islands (U.S.)
VNM VN Viet Nam
VUT VU Vanuatu
WLF WF Wallis and Futuna
WSM WS Samoa
YEM YE Yemen
ZAF ZA South Africa
ZMB ZM Zambia
ZWE ZW Zimbabwe
"""

#: alpha-3 -> (alpha-2, English name) for the 249 officially assigned ISO 3166-1 codes.
COUNTRIES: dict[str, tuple[str, str]] = {
    line[:3]: (line[4:6], line[7:]) for line in _COUNTRY_TABLE.strip().splitlines()
}

_ISO2_TO_3 = {a2: a3 for a3, (a2, _n) in COUNTRIES.items()}

# Spanish / Portuguese / common names of the countries peir users meet most often.
_EXTRA_NAMES = {
    "el salvador": "SLV",
    "guatemala": "GTM",
    "honduras": "HND",
    "nicaragua": "NIC",
    "costa rica": "CRI",
    "panama": "PAN",
    "belice": "BLZ",
    "mexico": "MEX",
    "brasil": "BRA",
    "estados unidos": "USA",
    "united states": "USA",
    "us": "USA",
    "republica dominicana": "DOM",
    "peru": "PER",
    "espana": "ESP",
}

#: ISO 4217 alphabetic currency codes (active codes plus funds and precious metals).
CURRENCIES: frozenset[str] = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP
ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR
ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF
XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL
""".split()
)


def is_user_assigned(code: str) -> bool:
    """True for the user-assigned alpha-3 ranges AAA–AAZ, QMA–QZZ, XAA–XZZ, ZZA–ZZZ."""
    if len(code) != 3 or not code.isascii() or not code.isalpha() or not code.isupper():
        return False
    return code.startswith(("AA", "X", "ZZ")) or (code[0] == "Q" and code[1] >= "M")


def is_country(code: object) -> bool:
    """True for an ISO 3166-1 alpha-3 code (officially assigned or user-assigned)."""
    return isinstance(code, str) and (code in COUNTRIES or is_user_assigned(code))


def is_currency(code: object) -> bool:
    """True for an ISO 4217 alphabetic code."""
    return isinstance(code, str) and code in CURRENCIES


@cache
def _name_index() -> dict[str, str]:
    idx = {normalize_label(name): a3 for a3, (_a2, name) in COUNTRIES.items()}
    idx.update(_EXTRA_NAMES)
    return idx


def country_hint(value: object) -> str | None:
    """The alpha-3 code a wrong value most likely meant (ISO2, name, lower case...), or None."""
    s = str(value).strip()
    if s.upper() in COUNTRIES:
        return s.upper()
    if s.upper() in _ISO2_TO_3:
        return _ISO2_TO_3[s.upper()]
    key = normalize_label(s)
    idx = _name_index()
    if key in idx:
        return idx[key]
    close = difflib.get_close_matches(key, list(idx), n=1, cutoff=0.8)
    if close:
        return idx[close[0]]
    close = difflib.get_close_matches(s.upper(), list(COUNTRIES), n=1, cutoff=0.66)
    return close[0] if close else None

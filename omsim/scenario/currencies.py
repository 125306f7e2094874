"""ISO 4217 currency codes a scenario's ``currency`` may take, held here (no network needed).

The alphabetic codes of ISO 4217's list of current currencies (published by SIX, the standard's
maintenance agency), without the codes no order is priced in: precious metals (XAU, XAG, XPT,
XPD), bond market units (XBA-XBD), special drawing rights and settlement units (XDR, XSU, XUA),
the testing and "no currency" codes (XTS, XXX) and the fund codes (BOV, CHE, CHW, CLF, COU, MXV,
USN, UYI, UYW). Codes being phased out (ANG, SLL, ZWL) are kept so that older scenarios load;
withdrawn ones (HRK, since the euro in 2023) are refused. Update the set when the list changes.
"""

from __future__ import annotations

# a block of codes reads like the published table; a list literal would run to 160 lines
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
    KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR
    MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
    TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()  # noqa: SIM905
)
"""Active ISO 4217 alphabetic codes of currencies that goods are priced in."""

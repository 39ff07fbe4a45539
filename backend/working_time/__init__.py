"""Office time: when the answer clock runs. Pure domain code, no app, no database.

`office_hours` reads UPIK_OFFICE_HOURS; `calendar` counts office seconds over
those hours minus a set of holiday dates (which the caller loads).
"""

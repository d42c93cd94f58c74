"""How dates are written, per language (settings ``FORMAT_MODULE_PATH``): one format everywhere on the staff pages,
day, month in letters and year ("6 Dec 2026", "6 dic 2026"), never the ambiguous "12/06/2026" nor a mix of that
and "2026-12-06". A language without a module here uses Django's own formats for it."""

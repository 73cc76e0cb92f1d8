"""Counted phrases in the browser: one pattern per CLDR plural category of the page's language.

A gettext call with a fixed number gives one form; Polish needs three ("1 list",
"3 listy", "5 listów"), so the screens' words carry every category's pattern and the
page's script picks the one `Intl.PluralRules` names (static/js/dom.js `counted`).
"""

from __future__ import annotations

from flask_babel import force_locale
from helpers import data_attr

from marathon.web.i18n import plural_forms


def test_polish_gets_its_three_forms_and_english_its_two(app):
    with app.test_request_context("/"):
        with force_locale("pl"):
            forms = plural_forms("{n} letter!", "{n} letters!")
        with force_locale("en"):
            english = plural_forms("{n} letter!", "{n} letters!")
    assert forms == {"one": "{n} list!", "few": "{n} listy!", "many": "{n} listów!",
                     "other": "{n} listów!"}
    assert english == {"one": "{n} letter!", "other": "{n} letters!"}


def test_the_projected_screen_carries_the_forms_in_polish(client, api):
    m = api.make_marathon()
    page = client.get(f"/m/{m['id']}/screen?lang=pl").get_data(as_text=True)
    assert '<html lang="pl"' in page
    words = data_attr(page, "words")
    assert words["milestone_banner"]["few"] == "{n} listy!"
    assert words["kinds"]["letter"]["other"]["many"] == "{n} listów"
    assert words["members"] == {"one": "{n} członek", "few": "{n} członków",
                                "many": "{n} członków", "other": "{n} członków"}

"""The public form to apply as a mediator, and the coordinator's decline form."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from institutions.constants import MessageLanguage
from mediators.applications.services import APPLIED_LEVEL, DECLINE_MESSAGE_MAX_LENGTH
from mediators.constants import Gender, LanguageLevel
from mediators.models import Language
from mediators.selectors import language_list

# The prefix of the level fields, one per language: "level_ar".
LEVEL_PREFIX = "level_"


def level_choices() -> list[tuple[str, str]]:
    return [("", _("Level …")), *((str(value), label) for value, label in LanguageLevel.choices)]


# The honeypot: a field people never see (hidden by the stylesheet, out of the tab order,
# no autofill) and bots fill in. An application that fills it is not saved.
HONEYPOT = "website"


class LanguageChoices(forms.ModelMultipleChoiceField):
    """The languages by their names in the reader's language, in that alphabetical order."""

    def label_from_instance(self, obj: Language) -> str:
        return obj.name_for(get_language())

    class iterator(ModelChoiceIterator):  # noqa: N801 (Django's attribute name)
        def __iter__(self):
            return iter(sorted(super().__iter__(), key=lambda choice: str(choice[1]).casefold()))


class ApplicationForm(forms.Form):
    pool = forms.ModelChoiceField(label=_("Integration centre"), queryset=None, empty_label=None)
    languages = LanguageChoices(
        label=_("Languages you speak"),
        queryset=Language.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_languages = forms.CharField(
        label=_("Other languages or dialects"),
        max_length=200,
        required=False,
        help_text=_("Languages not in the list, or the dialect you speak."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    town = forms.CharField(label=_("Town"), max_length=120)
    postal_code = forms.RegexField(
        label=_("Postal code"),
        regex=r"^\d{5}$",
        error_messages={"invalid": _("Enter the five digits of your postal code.")},
    )
    availability = forms.CharField(
        label=_("When can you help?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In your own words, e.g. “weekday mornings, not on Fridays”."),
    )
    language = forms.ChoiceField(
        label=_("Language of our e-mails to you"), choices=MessageLanguage.choices
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my details are stored to "
            "handle my application."
        ),
        error_messages={"required": _("Please agree to the privacy notice to apply.")},
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, pools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools
        self.fields["languages"].queryset = language_list()
        for language in self.fields["languages"].queryset:
            self.fields[LEVEL_PREFIX + language.code] = forms.TypedChoiceField(
                label=_("Your level in %(language)s")
                % {"language": language.name_for(get_language())},
                choices=level_choices(),
                coerce=int,
                empty_value=None,
                required=False,
            )
        only = list(pools[:2])
        if len(only) == 1:
            self.fields["pool"].initial = only[0]
            self.fields["pool"].widget = forms.HiddenInput()

    def language_rows(self):
        """Each language's checkbox with its level field, for the template."""
        levels = {
            name[len(LEVEL_PREFIX) :]: self[name]
            for name in self.fields
            if name.startswith(LEVEL_PREFIX)
        }
        codes = {str(language.pk): language.code for language in self.fields["languages"].queryset}
        for choice in self["languages"]:
            yield choice, levels.get(codes.get(str(choice.data["value"]), ""))

    @property
    def application_data(self) -> dict:
        """The cleaned data, as ``application_submit`` takes it: the levels of the chosen
        languages by language code."""
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name != HONEYPOT and not name.startswith(LEVEL_PREFIX)
        }
        data["language_levels"] = {
            language.code: self.cleaned_data.get(LEVEL_PREFIX + language.code)
            for language in data.get("languages") or ()
            if self.cleaned_data.get(LEVEL_PREFIX + language.code)
        }
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT))


class AcceptForm(forms.Form):
    """The level of each language applied for, as the coordinator records it on accepting
    (the applicant's own level preselected)."""

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        given = application.language_levels or {}
        for language in application.languages.all():
            self.fields[LEVEL_PREFIX + language.code] = forms.TypedChoiceField(
                label=language.name_for(get_language()),
                choices=LanguageLevel.choices,
                coerce=int,
                empty_value=None,
                required=False,  # then the applicant's level, else APPLIED_LEVEL
                initial=given.get(language.code) or APPLIED_LEVEL,
            )

    @property
    def levels(self) -> dict[str, int]:
        return {
            name[len(LEVEL_PREFIX) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(LEVEL_PREFIX) and value is not None
        }


class DeclineForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the applicant"),
        max_length=DECLINE_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

"""The kinds of question a dialog can ask, one class per module (see `base.Question`)."""

from dialogs.kinds.area import AreaChoice
from dialogs.kinds.base import Question, Refused, WrongKind
from dialogs.kinds.birth_date import BirthDate
from dialogs.kinds.choice import Choice
from dialogs.kinds.date import Date
from dialogs.kinds.location import Location
from dialogs.kinds.money import Money
from dialogs.kinds.multi_choice import MultiChoice
from dialogs.kinds.national_id import NationalId
from dialogs.kinds.number import Number
from dialogs.kinds.phone import Phone
from dialogs.kinds.photo import Photo
from dialogs.kinds.text import Text
from dialogs.kinds.yes_no import YesNo

__all__ = ["AreaChoice", "BirthDate", "Choice", "Date", "Location", "Money", "MultiChoice", "NationalId", "Number",
           "Phone", "Photo", "Question", "Refused", "Text", "WrongKind", "YesNo"]

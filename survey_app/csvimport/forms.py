"""The upload form of CSV imports."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ImportForm(FlaskForm):
    """Upload a CSV file to import."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file to import.")),
                                                 FileAllowed(["csv", "txt"], _l("Choose a .csv file."))])

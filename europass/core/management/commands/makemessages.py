"""``makemessages`` that also reads ``said`` and ``said_n`` (europass.words): the sentences of the sealing core, the
credential reader and the verifier are gettext msgids too."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=said", "--keyword=said_n:1,2"]

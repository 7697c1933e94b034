"""The speakers of existing quotes, and who may edit speakers (after 0017's
schema: PostgreSQL builds a migration's indexes at its end, which it refuses
after rows were written in the same transaction).

One speaker per distinct name the quotes print (an editor merges spellings
afterwards, by pointing the quotes at one and listing the other as an alias),
a body when the name has a word such a name has, else a person. The quotes
keep their words, names and roles; each link is recorded in the quote's history.
"""

import re

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone
from django.utils.text import slugify

BODY = re.compile(
    r"\b(ministry|government|court|council|committee|commission|department|agency|authority|office|"
    r"police|army|military|party|parliament|assembly|senate|company|corporation|inc|ltd|group|team|"
    r"affairs|association|union|bank|university|board|bureau|service|embassy|organi[sz]ation)\b",
    re.IGNORECASE,
)


def let_staff_name_speakers(apps, schema_editor):
    """Editors and Reporters may do with speakers what they may with the rest
    of the editorial content (a quote's form picks one)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted = {name: ["add", "change", "delete", "view"] for name in ("Editors", "Reporters")}
    for name, actions in granted.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            codenames = [f"{action}_speaker" for action in actions]
            group.permissions.add(*Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))


def link_speakers(apps, schema_editor):
    Quote = apps.get_model("tracker", "Quote")
    Speaker = apps.get_model("tracker", "Speaker")
    HistoricalQuote = apps.get_model("tracker", "HistoricalQuote")
    HistoricalSpeaker = apps.get_model("tracker", "HistoricalSpeaker")
    Edit = apps.get_model("tracker", "Edit")
    names = sorted(set(Quote.objects.values_list("speaker", flat=True)))
    if not names:
        return
    now = timezone.now()
    edit = Edit.objects.create(at=now)
    taken = set(Speaker.objects.values_list("slug", flat=True))
    for name in names:
        base = slugify(name)[:190] or "speaker"
        slug = next(s for s in (base, *(f"{base}-{n}" for n in range(2, 1000))) if s not in taken)
        taken.add(slug)
        kind = "organisation" if BODY.search(name) else "person"
        speaker = Speaker.objects.create(name=name, slug=slug, kind=kind)
        HistoricalSpeaker.objects.create(
            id=speaker.pk,
            version=1,
            name=name,
            slug=slug,
            kind=kind,
            aliases="",
            created_at=speaker.created_at,
            updated_at=speaker.updated_at,
            history_date=now,
            history_type="+",
            history_change_reason="Made from the name its quotes' sources printed",
            edit=edit,
        )
        for quote in Quote.objects.filter(speaker=name):
            quote.spoken_by = speaker
            quote.save(update_fields=["spoken_by"])
            latest = HistoricalQuote.objects.filter(id=quote.pk).order_by("-history_date", "-history_id").first()
            if latest is None:
                continue
            record = {f.attname: getattr(latest, f.attname) for f in HistoricalQuote._meta.concrete_fields}
            record.update(
                history_id=None,
                history_date=now,
                history_type="~",
                history_user_id=None,
                history_change_reason="Linked to its speaker",
                spoken_by_id=speaker.pk,
                edit_id=edit.pk,
            )
            HistoricalQuote.objects.create(**record)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0017_speakers"),
    ]

    operations = [
        migrations.RunPython(let_staff_name_speakers, migrations.RunPython.noop),
        migrations.RunPython(link_speakers, migrations.RunPython.noop, elidable=True),
    ]

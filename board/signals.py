from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from board.models import Attachment


@receiver(post_delete, sender=Attachment)
def delete_stored_file(sender, instance: Attachment, **kwargs):
    """Remove the stored file once the row's deletion commits.

    A receiver rather than a service step, because attachments also go when their post,
    task or whole study is deleted by cascade, and none of those files may stay behind.
    """
    if instance.file.name:
        transaction.on_commit(partial(instance.file.storage.delete, instance.file.name))

"""Sync sessions on the hub: the progress bundle that leaves, the reply that comes back.

The USB stick session and the online sync both call these two functions, so merging never has
two code paths:

- :func:`write_progress_bundle` writes this hub's log since central's last ack into a new
  ``progress`` bundle folder;
- :func:`apply_reply_bundle` verifies a ``reply`` bundle and applies it in one transaction.
"""

from hubd.sync_session.context import HubSync, NotInFleet
from hubd.sync_session.progress_out import write_progress_bundle
from hubd.sync_session.reply_in import ReplyReport, apply_reply_bundle

__all__ = ["HubSync", "NotInFleet", "ReplyReport", "apply_reply_bundle", "write_progress_bundle"]

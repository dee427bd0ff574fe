"""USB sync sticks: detect them, mount them through the helper, sync, say "safe to remove".

Pure parts (no I/O library): :mod:`devices` (which block device is a stick), :mod:`stick`
(the stick's layout and the plan of a session), :mod:`status` (live state, the status file).
Edges: :mod:`monitor` (pyudev on the event loop), :mod:`mounter` (talks to the root helper,
:mod:`mount_helper`), :mod:`stickfiles` (the stick's files), :mod:`session` (one sync).
"""

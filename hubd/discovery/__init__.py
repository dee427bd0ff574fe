"""Discovery: the hub announces itself with zeroconf (mDNS/DNS-SD) and sees peer hubs.

`records` is the pure part (what goes into the TXT records, which peers are known); `service`
is the thin edge that talks to python-zeroconf.
"""

"""What the hub puts in its mDNS records and what it believes about peers (no network)."""

from __future__ import annotations

from hubd.discovery.records import (
    HubAnnouncement,
    PeerHub,
    PeerList,
    addresses_to_announce,
    parse_interfaces,
    peer_from_record,
)

HUB_ID = "k7Qx2mZp9WbVd3Lr"


def announcement(name: str = "Escuela Rural 14") -> HubAnnouncement:
    return HubAnnouncement(hub_id=HUB_ID, name=name, version="0.1.0", port=80)


def test_txt_record_says_who_the_hub_is_and_where_its_pages_are() -> None:
    txt = announcement().txt_record()
    assert txt == {
        "id": HUB_ID,
        "v": "0.1.0",
        "name": "Escuela Rural 14",
        "path": "/",
        "api": "/api/v1",
    }
    assert announcement().server == "hub.local."


def test_long_arabic_name_fits_dns_limits_without_breaking_a_letter() -> None:
    hub = announcement("مدرسة القرية الابتدائية للبنات والبنين في الوادي الكبير " * 6)
    for key, value in hub.txt_record().items():
        assert len(f"{key}={value}".encode()) <= 255
    label = hub.instance_name()
    assert len(label.encode()) <= 63
    assert label.endswith(f"({HUB_ID[:8]})")
    label.encode().decode("utf-8")  # whole characters only
    assert "." not in announcement("Esc. N.14").instance_name()


def test_two_hubs_with_the_same_name_get_different_service_names() -> None:
    one = HubAnnouncement(hub_id="aaaaaaaa1111", name="Hub", version="1", port=80)
    two = HubAnnouncement(hub_id="bbbbbbbb2222", name="Hub", version="1", port=80)
    assert one.instance_name() != two.instance_name()


def test_peer_record_is_read_back() -> None:
    txt = {k.encode(): v.encode() for k, v in announcement().txt_record().items()}
    peer = peer_from_record(txt, ["10.42.0.1", "fe80::1", "192.168.1.9"], 80)
    assert peer == PeerHub(HUB_ID, "Escuela Rural 14", "0.1.0", ("10.42.0.1", "192.168.1.9"), 80)
    assert peer is not None and peer.url == "http://10.42.0.1/"


def test_unbelievable_peer_records_are_ignored() -> None:
    good = {b"id": HUB_ID.encode(), b"v": b"0.1.0", b"name": b"Hub"}
    assert peer_from_record(good, ["10.0.0.1"], 8080) is not None
    for changed in (
        {b"id": None},
        {b"id": b"../../etc"},
        {b"v": b"1.0<script>"},
        {b"name": b"x" * 101},
        {b"name": b"\xff\xfe"},
        {b"name": b"line\nbreak"},
        {b"name": b"   "},
    ):
        assert peer_from_record({**good, **changed}, ["10.0.0.1"], 8080) is None, changed
    assert peer_from_record(good, ["10.0.0.1"], None) is None
    assert peer_from_record(good, ["not an address"], 8080) == PeerHub(
        HUB_ID, "Hub", "0.1.0", (), 8080
    )


def test_peer_list_leaves_out_this_hub_and_lists_each_peer_once() -> None:
    peers = PeerList(own_hub_id="self0001")
    me = PeerHub("self0001", "Me", "1", ("10.0.0.1",), 80)
    b = PeerHub("hubb0002", "bravo", "1", ("10.0.0.2",), 80)
    a = PeerHub("huba0003", "Alpha", "1", ("10.0.0.3",), 80)
    assert not peers.update("Me._learninghub._tcp.local.", me)
    assert peers.update("bravo._learninghub._tcp.local.", b)
    assert not peers.update("BRAVO._learninghub._tcp.local.", b)  # a repeated report
    assert peers.update("Alpha._learninghub._tcp.local.", a)
    assert [p.name for p in peers.hubs()] == ["Alpha", "bravo"]
    assert peers.remove("bravo._learninghub._tcp.local.")
    assert not peers.remove("bravo._learninghub._tcp.local.")
    assert peers.update("Alpha._learninghub._tcp.local.", None)
    assert peers.hubs() == ()


def test_addresses_to_announce() -> None:
    up = ["127.0.0.1", "10.42.0.1", "192.168.1.20", "::1"]
    assert addresses_to_announce(up, ()) == ("10.42.0.1", "192.168.1.20")
    assert addresses_to_announce(up, ("10.42.0.1",)) == ("10.42.0.1",)
    # A configured address that is not up yet (the Wi-Fi comes up later) is not announced.
    assert addresses_to_announce(["127.0.0.1"], ("10.42.0.1",)) == ()
    assert parse_interfaces(" 10.42.0.1, 192.168.1.20 ,") == ("10.42.0.1", "192.168.1.20")
    assert parse_interfaces("") == ()

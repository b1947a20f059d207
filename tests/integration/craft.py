"""What the packet-crafting helpers of tests/integration share."""
import struct


def checksum(data):
    """RFC 1071: the 16-bit one's complement of the one's complement sum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

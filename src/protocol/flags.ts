// Goridge flag bits (byte 1) and stream bits (byte 10); see docs/protocol.md.

/** Byte 1: frame flags. */
export const Flag = {
  CONTROL: 0x01,
  CODEC_RAW: 0x04,
  CODEC_JSON: 0x08,
  CODEC_MSGPACK: 0x10,
  CODEC_GOB: 0x20,
  ERROR: 0x40,
  CODEC_PROTO: 0x80,
} as const

/** Byte 10: stream control bits. */
export const StreamBit = {
  STREAM: 0x01,
  STOP: 0x02,
  PING: 0x04,
  PONG: 0x08,
} as const

/**
 * The API's live path: the in-process hub, the Kafka fan-out into it (cluster profile), and the
 * WS /v1/stream feed out of it. Protocol: README.md beside this file.
 */
export { LiveHub, isChannelPattern } from './live-hub';
export type { LiveKind, LiveListener, LiveMessage } from './live-hub';
export { KafkaLiveSource } from './kafka-live-source';
export type { KafkaLiveSourceOptions } from './kafka-live-source-options';
export { LIVE_EVENT_OF_TOPIC, LIVE_TOPICS, LiveRecordMapper, isLiveTopic } from './live-record-mapper';
export type { LiveRecord, LiveTopic, LiveTopicRecords } from './live-record-mapper';
export { LiveMetrics } from './live-metrics';
export { LIVE_STREAM_PATH, liveFeature } from './live-feature';
export type { LiveFeatureDeps } from './live-feature';
export { LiveFeed } from './live-feed';
export type { LiveFeedDeps } from './live-feed';
export { resolveLiveFeedOptions } from './live-feed-options';
export type { LiveFeedOptions, ResolvedLiveFeedOptions } from './live-feed-options';
export { LiveSession, SessionPhase } from './live-session';
export type { LiveSessionHost, LiveSocket } from './live-session';
export {
  ClientAction,
  CloseCode,
  LiveErrorCode,
  LiveProtocolError,
  MAX_CHANNELS_PER_MESSAGE,
  ServerMessageType,
  decodeClientMessage,
  parseClientMessage,
} from './live-protocol';
export type {
  AuthMessage,
  AuthenticatedMessage,
  BatchMessage,
  ChannelMessage,
  ClientMessage,
  ErrorMessage,
  HeartbeatMessage,
  MessageId,
  ServerMessage,
  SubscribeMessage,
  SubscribedMessage,
  UnsubscribeMessage,
  UnsubscribedMessage,
} from './live-protocol';
export { stderrLiveLog } from './live-log';
export type { LiveLog } from './live-log';

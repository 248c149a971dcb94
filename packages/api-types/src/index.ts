// Wire formats between workers, LC and GM.
export { encodeFrameContent, decodeFrameContent } from './wire.js';
export type {
  WorkerKind,
  WorkerReportStatus,
  MetricValue,
  ModelInfo,
  WorkerReport,
  WorkerReportReply,
  FrameOperation,
  FrameHeader,
  WireFrame,
  CondInput,
  CondOutput,
  IncrementalCondData,
  UpstreamJobMessage,
  UpstreamDatasetMessage,
  ModelHotUpdateConfig,
} from './wire.js';

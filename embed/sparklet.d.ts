// Types of sparklet.js: Sparklet's engine and receiver in a Web Worker,
// without the dashboard. Field names are those of the dashboard's JS API
// (window.sparklet), documented in docs/DESIGN.md.

/** The dashboard's URL parameters, as options. */
export interface StartOptions {
  /** ws://, wss:// (the feed protocol), or http://, https:// (Server-Sent Events, NDJSON). */
  feed: string;
  /** Stages joined by `|`; default the word count. */
  pipeline?: string;
  /** "100ms" to "10s", or milliseconds; default 1 s. */
  batch?: string | number;
  /** The record field with an event time in ms, for latency; default "ts". */
  event_time?: string;
  /** Reconnect with `from=`; default: as the feed's hello says. */
  resume?: boolean;
  /** Ask the feed to slow down when the stream falls behind; default true. */
  backpressure?: boolean;
  /** Keys each stateful stage keeps; 1 to 1,000,000; default 100,000. */
  max_keys?: number;
  /** A checkpoint every N batches (IndexedDB); 0: none; default Spark's 10 s. */
  checkpoint?: number;
  /** The pending buffer, MiB; 1 to 256; default 64. */
  buffer?: number;
}

/** Spark's BatchInfo. */
export interface BatchInfo {
  batch: number;
  time_ms: number;
  records: number;
  scheduling_delay_ms: number;
  processing_ms: number;
  total_delay_ms: number;
  malformed: number;
  evicted: number;
}

export interface StageFigures {
  name: string;
  records_in: number;
  records_out: number;
  ms: number;
}

export interface Latency {
  from: 'event_time' | 'arrival';
  records: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface EventFigures {
  watermark_ms: number;
  late: number;
  late_rows: number;
  state_rows: number;
  newest_ms: number | null;
  lateness: number[];
}

/** JSON values; a pair `(k, v)` is `[k, v]`. */
export type Value = null | boolean | number | string | Value[] | { [field: string]: Value };

/** What one batch gave. */
export interface BatchReport extends BatchInfo {
  /** zero_ms + time_ms: the batch's time, ms since the epoch. */
  batch_time_ms: number;
  /** The output (its first 100,000 rows); null between window slides. */
  output: Value[] | null;
  /** Rows of output in all; null between window slides. */
  output_rows: number | null;
  output_sample: string[];
  stages: StageFigures[];
  latency: Latency | null;
  event: EventFigures | null;
}

export interface MalformedSample {
  reason: string;
  record: string;
}

/** The stream's figures: the dashboard's `window.sparklet.stats()`. */
export interface Stats {
  records: number;
  batches: number;
  bytes: number;
  frames: number;
  lines: number;
  malformed: number;
  dropped: number;
  reconnects: number;
  gaps: number;
  resume: boolean;
  feed_resumes: boolean;
  rate_limit: number | null;
  evicted: number;
  max_keys: number;
  state_bytes: number;
  restored_batches: number | null;
  restore_refused: string | null;
  checkpoints: number;
  connected: boolean;
  state: 'connecting' | 'live' | 'reconnecting' | 'ended' | 'closed';
  state_reason: string | null;
  source_status: string | null;
  pending: number;
  feed: string;
  pipeline: string;
  batch_ms: number;
  last_batch: BatchInfo | null;
  stages: StageFigures[];
  output: Value[] | null;
  output_time_ms: number | null;
  malformed_samples: MalformedSample[];
  started_ms: number;
  worker: boolean;
  /** Always null here: the sink is the dashboard server's (`sparklet serve --sink`). */
  sink: null;
  wasm_memory_bytes: number;
  zero_ms: number;
  watermark_ms: number | null;
  late: number | null;
  late_rows: number | null;
  state_rows: number | null;
}

export declare class Sparklet {
  private constructor();
  /** Starts a stream in its own worker; rejects with why it cannot run. */
  static start(options: StartOptions): Promise<Sparklet>;
  /** Calls `listener` with each completed batch; returns a function that stops it. */
  onBatch(listener: (report: BatchReport) => void): () => void;
  /** The figures as of the last batch (null before the first report). */
  stats(): Stats | null;
  /** Stops the stream and its worker. */
  stop(): void;
}

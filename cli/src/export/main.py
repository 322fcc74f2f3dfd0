# --- Running it ---------------------------------------------------------------

import argparse
import os


def read_batches(path):
    """`sparklet replay`'s input: one JSON array of records per line."""
    batches = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                j = json.loads(line, parse_constant=_no_constant)
            except ValueError as e:
                raise SystemExit(f"{path}:{n}: not JSON: {e}")
            if not isinstance(j, list):
                raise SystemExit(f"{path}:{n}: expected a JSON array of records")
            try:
                batches.append([from_json(x) for x in j])
            except Bad as e:
                raise SystemExit(f"{path}:{n}: {e}")
    return batches


def main():
    parser = argparse.ArgumentParser(description=f"The Sparklet pipeline `{PIPELINE}` on Spark.")
    parser.add_argument("--checkpoint", help="Spark's checkpoint directory (on a cluster: HDFS or S3)")
    parser.add_argument(
        "--spark-batch-ms", type=int,
        help="with recorded batches: Spark's batch interval to run them at (same output)")
    parser.add_argument(
        "--sparklet", metavar="URL",
        help="event-time (Structured Streaming) jobs: post each micro-batch's progress to this "
             "`sparklet serve` (e.g. http://127.0.0.1:8080), whose dashboard shows it at ?spark=1; "
             "also $SPARKLET_URL. A DStream job is watched with `sparklet serve --spark`")
    args = parser.parse_args()
    if args.sparklet:
        global SPARKLET_URL
        SPARKLET_URL = args.sparklet
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setAppName(f"sparklet: {PIPELINE}")
    conf.setIfMissing("spark.master", "local[2]")
    conf.setIfMissing("spark.ui.showConsoleProgress", "false")
    if conf.get("spark.master").startswith("local"):
        # Spark's 200 shuffle (and state) partitions are for a cluster; on
        # one machine each would cost a task every micro-batch.
        conf.setIfMissing("spark.sql.shuffle.partitions", "4")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    try:
        malformed = run(sc, spark_batch_ms=args.spark_batch_ms, checkpoint=args.checkpoint)
    finally:
        sc.stop()
    if malformed:
        print(f"sparklet job: {malformed} malformed records, skipped", file=sys.stderr)


if __name__ == "__main__":
    main()

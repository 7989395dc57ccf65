/**
 * Pinned versions of everything the rig downloads. Kafka and Elasticsearch come from Maven
 * Central through `mvn`; kube-apiserver and the Gateway API CRDs from the Go module proxy
 * (see docs/remediation.md); etcd, kubectl and HAProxy are Debian packages.
 */
export const VERSIONS = Object.freeze({
  /** kafkajs 2.2.4 negotiates API versions with 4.x brokers (checked by the smoke test). */
  kafka: '4.4.0',
  scala: '2.13',
  /** Kafka 4.x compiles against slf4j-api 1.7.36; the binding must be of the same line. */
  slf4jBinding: 'org.slf4j:slf4j-simple:1.7.36',
  /**
   * Newest integ-test-zip on Maven Central: 9.x is not published there. Runs on Java 17.
   * The @elastic/elasticsearch client's major must match: 8.
   */
  elasticsearch: '8.19.21',
  mavenDependencyPlugin: '3.8.1',
  /** Built from k8s.io/kubernetes on the Go module proxy; staging modules at v0.37.2. */
  kubernetes: 'v1.37.2',
  /** v1.7.0 needs a newer Go than the machines have. */
  gatewayApi: 'v1.6.3',
  /**
   * Go for that build where the machine has none (Debian's golang-go is 1.19, too old):
   * the `golang.org/toolchain` module of this version from the Go module proxy.
   */
  go: '1.26.8',
});

/**
 * Pinned versions of everything the rig downloads. All of it comes from Maven Central
 * through `mvn`, the only route to these servers on the project's machines.
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
});

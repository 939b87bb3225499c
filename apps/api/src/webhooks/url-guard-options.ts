/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address a connection could use (the DNS edge, injectable in tests). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface UrlGuardOptions {
  /**
   * CIDR blocks a webhook may reach even though they are private, loopback or otherwise special
   * (an intranet receiver, a test server on 127.0.0.1). From `TICKFLOW_WEBHOOK_ALLOW_CIDRS`.
   * @defaultValue [] (public unicast addresses only)
   */
  allowCidrs?: readonly string[];
  /**
   * How host names are resolved, both at registration and when a delivery connects.
   * @defaultValue `dns.promises.lookup(hostname, { all: true })` (the system resolver, as a socket would use it)
   */
  resolve?: HostResolver;
  /** Longest URL accepted. @defaultValue 2048 */
  maxUrlLength?: number;
}

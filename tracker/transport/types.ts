/** Shapes shared by the two transports. */

/** A plain HTTP answer for `/stats`, `/metrics`, `/health`. */
export interface HttpReply {
  /** Status line text, e.g. `200 OK`. */
  status: string
  type: string
  body: string
}

/** A listening transport. */
export interface Listening {
  port: number
  transport: 'uws' | 'ws'
  close(): Promise<void>
}

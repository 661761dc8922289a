CREATE TABLE `usage_months` (
	`month` text NOT NULL,
	`source` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`websocket_messages` integer DEFAULT 0 NOT NULL,
	`rows_read` integer DEFAULT 0 NOT NULL,
	`rows_written` integer DEFAULT 0 NOT NULL,
	`alarms_set` integer DEFAULT 0 NOT NULL,
	`flushes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`month`, `source`)
);
--> statement-breakpoint
CREATE TABLE `usage_storage` (
	`object_id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`r2_bytes` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL
);

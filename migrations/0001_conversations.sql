CREATE TABLE `message_hours` (
	`hour` text PRIMARY KEY NOT NULL,
	`count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rooms` (
	`id` text PRIMARY KEY NOT NULL,
	`member_a` text NOT NULL,
	`member_b` text NOT NULL,
	`message_count` integer DEFAULT 0 NOT NULL,
	`last_activity_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rooms_activity` ON `rooms` (`last_activity_at`);--> statement-breakpoint
CREATE INDEX `rooms_member_a` ON `rooms` (`member_a`);--> statement-breakpoint
CREATE INDEX `rooms_member_b` ON `rooms` (`member_b`);--> statement-breakpoint
ALTER TABLE `users` ADD `last_active_at` text;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES('0003');
CREATE TABLE cases (
	id INTEGER NOT NULL, 
	ref VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	dob DATE NOT NULL, 
	received DATE NOT NULL, 
	source VARCHAR NOT NULL, 
	team VARCHAR NOT NULL, 
	coordinator VARCHAR, 
	looked_after BOOLEAN NOT NULL, 
	alternative_provision BOOLEAN NOT NULL, 
	setting VARCHAR, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO cases VALUES(1,'W1','Leap Child','2012-05-05','2023-10-16','parent','front-door','Sam Patel',0,0,NULL,'2026-12-03 09:43:22');
INSERT INTO cases VALUES(2,'W2','Transfer Child','2014-10-10','2023-01-09','parent','front-door',NULL,0,0,NULL,'2026-12-03 09:43:32');
INSERT INTO cases VALUES(3,'W3','Cease Child','2010-03-03','2024-01-08','parent','front-door',NULL,0,0,NULL,'2026-12-03 09:43:57');
INSERT INTO cases VALUES(4,'W4','Notice Child','2012-06-01','2018-08-20','parent','front-door',NULL,0,0,NULL,'2026-12-03 09:44:06');
INSERT INTO cases VALUES(5,'W5','Plain Child','2016-05-04','2025-01-06','parent','front-door',NULL,0,0,NULL,'2026-12-03 09:44:16');
CREATE TABLE events (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	date DATE NOT NULL, 
	details VARCHAR NOT NULL, 
	voids INTEGER, 
	recorded_by VARCHAR NOT NULL, 
	recorded_at DATETIME NOT NULL, hash VARCHAR, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES cases (id), 
	FOREIGN KEY(voids) REFERENCES events (id)
);
INSERT INTO events VALUES(1,1,'request','2023-10-16','{"source": "parent"}',NULL,'wave1','2026-12-03 09:43:22','a95193d733607cf1d7e53b5015aab95f926c22dee51caf2ac989acac3685f65f');
INSERT INTO events VALUES(2,1,'decision','2023-11-20','{"outcome": "assess"}',NULL,'wave1','2026-12-03 09:43:25','ad12244a3e0e5a0497a0ddcaf4af83d80cfc177d50b411f01182615c3a9aab08');
INSERT INTO events VALUES(3,1,'draft','2024-01-29','{}',NULL,'wave1','2026-12-03 09:43:27','1048f90e7b86cb71b532d27e7db3787fb3b0a829e3a4aeb0826a079ff0a50963');
INSERT INTO events VALUES(4,1,'final','2024-02-29','{}',NULL,'wave1','2026-12-03 09:43:29','beb8b57d1acbee94ca0b11bd66abbed49fe7390a072607e06e864e9ac257bd55');
INSERT INTO events VALUES(5,2,'request','2023-01-09','{"source": "parent"}',NULL,'wave1','2026-12-03 09:43:32','5e6965e8a054f7793edb60146993714628df2c8bd56a96240983913162e4bd5f');
INSERT INTO events VALUES(6,2,'decision','2023-02-13','{"outcome": "assess"}',NULL,'wave1','2026-12-03 09:43:34','5c9a89838a13e90d116364c5a17cd072a3d6d3c6a6b54e324f8ae6798558ab48');
INSERT INTO events VALUES(7,2,'draft','2023-04-24','{}',NULL,'wave1','2026-12-03 09:43:37','8b2e429ab15882e65d6fa2f7fc0562380004e83721404b09b7d7f01e74e3e6a0');
INSERT INTO events VALUES(8,2,'final','2023-05-22','{}',NULL,'wave1','2026-12-03 09:43:40','0b7686b6c08f40201a19e20b48bd173aedbb50c8d57b2c406a100fdc18c6ca62');
INSERT INTO events VALUES(9,2,'review-meeting','2024-05-13','{}',NULL,'wave1','2026-12-03 09:43:42','a261c5bcac460dc5e25acadee7953cab13b437968a5e069e8690ca2d0942eff5');
INSERT INTO events VALUES(10,2,'review-decision','2024-05-20','{"outcome": "maintain"}',NULL,'wave1','2026-12-03 09:43:45','86ab74b849ef0edc95c2bc54d9763c9ba36344fed9af3a0a06019360034a065c');
INSERT INTO events VALUES(11,2,'review-meeting','2025-10-06','{}',NULL,'wave1','2026-12-03 09:43:48','bd3159410e6e1fe0012d31dbab6de8888942bb68e432d5a61b0acbc1203b8f52');
INSERT INTO events VALUES(12,2,'review-decision','2025-10-13','{"outcome": "amend"}',NULL,'wave1','2026-12-03 09:43:50','6f91fc00379fa0ac05b1aaf69c8b2de375d30413a9b0d36db000b3371aef4335');
INSERT INTO events VALUES(13,2,'amendment-notice','2025-10-13','{}',NULL,'wave1','2026-12-03 09:43:53','310ee814c29ebbf0df5f5e29d9f44e2e53b0358b537d14995c9e80ba5b33f380');
INSERT INTO events VALUES(14,2,'amended-plan','2025-11-03','{}',NULL,'wave1','2026-12-03 09:43:55','90429e3d7ef1e43e265d49f1652b5affc660fc3ca0b2b67dfb96a5ab91829687');
INSERT INTO events VALUES(15,3,'request','2024-01-08','{"source": "parent"}',NULL,'wave1','2026-12-03 09:43:57','9a3f3acc95724a2c15bf50030841e0bdec7c83900110ff619480a97463aadec1');
INSERT INTO events VALUES(16,3,'decision','2024-02-12','{"outcome": "assess"}',NULL,'wave1','2026-12-03 09:43:59','28b2d4e5a3d5244c65c6ea2cc9218397b5ffa4ad2f2762afbc99ca9c49a37fe4');
INSERT INTO events VALUES(17,3,'draft','2024-04-22','{}',NULL,'wave1','2026-12-03 09:44:01','9f23328627038ed9c44a89beff3b38bec2b5fb4e69b41e064a69ec78f5576769');
INSERT INTO events VALUES(18,3,'final','2024-05-20','{}',NULL,'wave1','2026-12-03 09:44:04','90e535c3553ed5dad58b5cb659dcfa82154f41528d7a5db895d68a155ab3e9b2');
INSERT INTO events VALUES(19,3,'cease','2025-04-01','{"reason": "needs met"}',NULL,'wave1','2026-12-03 09:44:05','fa5f28891527715441decd04d7c79358504c083d0ccf3b0b063fe1ed931e9ca0');
INSERT INTO events VALUES(20,4,'request','2018-08-20','{"source": "parent"}',NULL,'wave1','2026-12-03 09:44:06','4a1f2a20f18fafc1b1792b0bbdbfa79fc34473b9bdb0bf4a0268ccd02e551508');
INSERT INTO events VALUES(21,4,'decision','2018-09-24','{"outcome": "assess"}',NULL,'wave1','2026-12-03 09:44:07','f925950563fcd73d36c549cfb7b0a6160fc31969f55f81254704dc941bfe63c6');
INSERT INTO events VALUES(22,4,'draft','2018-12-10','{}',NULL,'wave1','2026-12-03 09:44:09','b8be93604a6fef4fe1634285da7edb0611c99ae8586f65e296c4fca4d5931c24');
INSERT INTO events VALUES(23,4,'final','2019-01-07','{}',NULL,'wave1','2026-12-03 09:44:10','a70aa16d5a78fef9c88caa5b1f9a17396cf91199430052cdcba2a9975a760f9c');
INSERT INTO events VALUES(24,4,'invitations-sent','2019-01-08','{}',NULL,'wave1','2026-12-03 09:44:11','e2a29a2bf6648faf0538a648c7e2c2106fc82c5b4e878cca9de33f7dc682249c');
INSERT INTO events VALUES(25,4,'review-scheduled','2019-01-22','{"meeting": "2019-01-22"}',NULL,'wave1','2026-12-03 09:44:13','508a8d59b72cada95329dbef621fb2a0c20326b7e2421ee1c51cb47507fb22f5');
INSERT INTO events VALUES(26,4,'review-scheduled','2019-01-23','{"meeting": "2019-01-24"}',NULL,'wave1','2026-12-03 09:44:14','baee20f0311d314309457d744105e49c6e48b6937e37822cfb74eb7a6345a501');
INSERT INTO events VALUES(27,5,'request','2025-01-06','{"source": "parent"}',NULL,'wave1','2026-12-03 09:44:16','7a4a61f7436bab2166c6f9fe214a56b3076faa5fa74991ece526d5cbf28b143e');
INSERT INTO events VALUES(28,5,'decision','2025-02-10','{"outcome": "assess"}',NULL,'wave1','2026-12-03 09:44:17','61c90f1a46f9a86ddc0f3237014cc7767728fbb995e1da3ac8947b8f808ade66');
CREATE TABLE deadlines (
	id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	rule VARCHAR NOT NULL, 
	owner VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	subject VARCHAR, 
	source VARCHAR NOT NULL, 
	"trigger" DATE NOT NULL, 
	due DATE NOT NULL, 
	act_by DATE NOT NULL, 
	completed_on DATE, 
	excepted_from DATE, 
	exception_limb VARCHAR, 
	ended_on DATE, 
	known_from DATE NOT NULL, 
	known_until DATE, 
	PRIMARY KEY (id), 
	FOREIGN KEY(case_id) REFERENCES cases (id)
);
INSERT INTO deadlines VALUES(1,1,'assessment-decision','la','statutory',NULL,'reg 5(1); CFA s.36','2023-10-16','2023-11-27','2023-11-27','2023-11-20',NULL,NULL,NULL,'2023-10-16',NULL);
INSERT INTO deadlines VALUES(2,1,'contact','la','local',NULL,'local milestone (communication standard)','2023-10-16','2023-11-27','2023-11-27',NULL,NULL,NULL,'2024-02-29','2023-10-16',NULL);
INSERT INTO deadlines VALUES(3,1,'draft-by-week-14','la','local',NULL,'local milestone','2023-10-16','2024-01-22','2024-01-22','2024-01-29',NULL,NULL,NULL,'2023-10-16',NULL);
INSERT INTO deadlines VALUES(4,1,'issue-decision','la','statutory',NULL,'reg 10(1)','2023-10-16','2024-02-05','2024-02-05','2024-01-29',NULL,NULL,NULL,'2023-10-16',NULL);
INSERT INTO deadlines VALUES(5,1,'draft-representations','family','statutory',NULL,'reg 13(1); CFA s.38(4)','2024-01-29','2024-02-12','2024-02-12',NULL,NULL,NULL,NULL,'2024-01-29',NULL);
INSERT INTO deadlines VALUES(6,1,'final-plan','la','statutory',NULL,'reg 13(2)','2023-10-16','2024-03-04','2024-03-04','2024-02-29',NULL,NULL,NULL,'2023-10-16',NULL);
INSERT INTO deadlines VALUES(7,1,'review-scheduled','la','local',NULL,'local milestone','2024-02-29','2025-01-02','2025-01-02',NULL,NULL,NULL,NULL,'2024-02-29',NULL);
INSERT INTO deadlines VALUES(8,1,'annual-review','la','statutory',NULL,'CFA s.44(1); CoP 9.168-9.169','2024-02-29','2025-02-27','2025-02-27',NULL,NULL,NULL,NULL,'2024-02-29',NULL);
INSERT INTO deadlines VALUES(9,1,'phase-transfer-meeting','la','local','secondary to post-16 (Year 11 to 12) on 2028-09-01','local milestone','2024-02-29','2028-01-06','2028-01-06',NULL,NULL,NULL,'2028-09-01','2024-02-29',NULL);
INSERT INTO deadlines VALUES(10,1,'post16-transfer','la','statutory','secondary to post-16 (Year 11 to 12) on 2028-09-01','reg 18(1)(a)','2024-02-29','2028-03-30','2028-03-30',NULL,NULL,NULL,NULL,'2024-02-29',NULL);
INSERT INTO deadlines VALUES(11,2,'assessment-decision','la','statutory',NULL,'reg 5(1); CFA s.36','2023-01-09','2023-02-20','2023-02-20','2023-02-13',NULL,NULL,NULL,'2023-01-09',NULL);
INSERT INTO deadlines VALUES(12,2,'contact','la','local',NULL,'local milestone (communication standard)','2023-01-09','2023-02-20','2023-02-20',NULL,NULL,NULL,'2023-05-22','2023-01-09',NULL);
INSERT INTO deadlines VALUES(13,2,'draft-by-week-14','la','local',NULL,'local milestone','2023-01-09','2023-04-17','2023-04-17','2023-04-24',NULL,NULL,NULL,'2023-01-09',NULL);
INSERT INTO deadlines VALUES(14,2,'issue-decision','la','statutory',NULL,'reg 10(1)','2023-01-09','2023-05-01','2023-04-28','2023-04-24',NULL,NULL,NULL,'2023-01-09',NULL);
INSERT INTO deadlines VALUES(15,2,'draft-representations','family','statutory',NULL,'reg 13(1); CFA s.38(4)','2023-04-24','2023-05-08','2023-05-05',NULL,NULL,NULL,NULL,'2023-04-24',NULL);
INSERT INTO deadlines VALUES(16,2,'final-plan','la','statutory',NULL,'reg 13(2)','2023-01-09','2023-05-29','2023-05-26','2023-05-22',NULL,NULL,NULL,'2023-01-09',NULL);
INSERT INTO deadlines VALUES(17,2,'review-scheduled','la','local',NULL,'local milestone','2023-05-22','2024-03-26','2024-03-26','2024-05-13',NULL,NULL,NULL,'2023-05-22',NULL);
INSERT INTO deadlines VALUES(18,2,'annual-review','la','statutory',NULL,'CFA s.44(1); CoP 9.168-9.169','2023-05-22','2024-05-21','2024-05-21','2024-05-13',NULL,NULL,NULL,'2023-05-22',NULL);
INSERT INTO deadlines VALUES(19,2,'review-decision','la','statutory',NULL,'reg 20(10); CoP 9.176, 9.169; Devon','2024-05-13','2024-05-21','2024-05-21','2024-05-20',NULL,NULL,NULL,'2024-05-13',NULL);
INSERT INTO deadlines VALUES(20,2,'review-report','la','statutory',NULL,'reg 20(7), 21(7)','2024-05-13','2024-05-27','2024-05-24',NULL,NULL,NULL,NULL,'2024-05-13',NULL);
INSERT INTO deadlines VALUES(21,2,'review-scheduled','la','local',NULL,'local milestone','2024-05-13','2025-03-17','2025-03-17','2025-10-06',NULL,NULL,NULL,'2024-05-13',NULL);
INSERT INTO deadlines VALUES(22,2,'annual-review','la','statutory',NULL,'CFA s.44(1); CoP 9.168-9.169','2024-05-13','2025-05-12','2025-05-12','2025-10-06',NULL,NULL,NULL,'2024-05-13',NULL);
INSERT INTO deadlines VALUES(23,2,'review-decision','la','statutory',NULL,'reg 20(10); CoP 9.176, 9.169; Devon','2025-10-06','2025-05-12','2025-05-12','2025-10-13',NULL,NULL,NULL,'2025-10-06',NULL);
INSERT INTO deadlines VALUES(24,2,'review-report','la','statutory',NULL,'reg 20(7), 21(7)','2025-10-06','2025-10-20','2025-10-20',NULL,NULL,NULL,NULL,'2025-10-06',NULL);
INSERT INTO deadlines VALUES(25,2,'amendment-representations','family','statutory',NULL,'reg 22(2)(c)','2025-10-13','2025-10-27','2025-10-27',NULL,NULL,NULL,NULL,'2025-10-13',NULL);
INSERT INTO deadlines VALUES(26,2,'phase-transfer-meeting','la','local','primary to secondary (Year 6 to 7) on 2026-09-01','local milestone','2023-05-22','2025-11-22','2025-11-21','2025-10-06',NULL,NULL,NULL,'2023-05-22',NULL);
INSERT INTO deadlines VALUES(27,2,'amended-plan','la','statutory',NULL,'reg 22(3)-(4); Devon','2025-10-13','2025-12-08','2025-12-08','2025-11-03',NULL,NULL,NULL,'2025-10-13',NULL);
INSERT INTO deadlines VALUES(28,2,'phase-transfer','la','statutory','primary to secondary (Year 6 to 7) on 2026-09-01','reg 18(1)(b); CoP 9.179','2023-05-22','2026-02-14','2026-02-13','2025-11-03',NULL,NULL,NULL,'2023-05-22',NULL);
INSERT INTO deadlines VALUES(29,2,'review-scheduled','la','local',NULL,'local milestone','2025-10-06','2026-08-10','2026-08-10',NULL,NULL,NULL,NULL,'2025-10-06',NULL);
INSERT INTO deadlines VALUES(30,2,'annual-review','la','statutory',NULL,'CFA s.44(1); CoP 9.168-9.169','2025-10-06','2026-10-05','2026-10-05',NULL,NULL,NULL,NULL,'2025-10-06',NULL);
INSERT INTO deadlines VALUES(31,2,'phase-transfer-meeting','la','local','secondary to post-16 (Year 11 to 12) on 2031-09-01','local milestone','2023-05-22','2031-01-05','2031-01-03',NULL,NULL,NULL,'2031-09-01','2023-05-22',NULL);
INSERT INTO deadlines VALUES(32,2,'post16-transfer','la','statutory','secondary to post-16 (Year 11 to 12) on 2031-09-01','reg 18(1)(a)','2023-05-22','2031-03-30','2031-03-28',NULL,NULL,NULL,NULL,'2023-05-22',NULL);
INSERT INTO deadlines VALUES(33,3,'assessment-decision','la','statutory',NULL,'reg 5(1); CFA s.36','2024-01-08','2024-02-19','2024-02-19','2024-02-12',NULL,NULL,NULL,'2024-01-08',NULL);
INSERT INTO deadlines VALUES(34,3,'contact','la','local',NULL,'local milestone (communication standard)','2024-01-08','2024-02-19','2024-02-19',NULL,NULL,NULL,'2024-05-20','2024-01-08',NULL);
INSERT INTO deadlines VALUES(35,3,'draft-by-week-14','la','local',NULL,'local milestone','2024-01-08','2024-04-15','2024-04-15','2024-04-22',NULL,NULL,NULL,'2024-01-08',NULL);
INSERT INTO deadlines VALUES(36,3,'issue-decision','la','statutory',NULL,'reg 10(1)','2024-01-08','2024-04-29','2024-04-29','2024-04-22',NULL,NULL,NULL,'2024-01-08',NULL);
INSERT INTO deadlines VALUES(37,3,'draft-representations','family','statutory',NULL,'reg 13(1); CFA s.38(4)','2024-04-22','2024-05-06','2024-05-03',NULL,NULL,NULL,NULL,'2024-04-22',NULL);
INSERT INTO deadlines VALUES(38,3,'final-plan','la','statutory',NULL,'reg 13(2)','2024-01-08','2024-05-27','2024-05-24','2024-05-20',NULL,NULL,NULL,'2024-01-08',NULL);
INSERT INTO deadlines VALUES(39,3,'review-scheduled','la','local',NULL,'local milestone','2024-05-20','2025-03-24','2025-03-24',NULL,NULL,NULL,'2025-04-01','2024-05-20',NULL);
INSERT INTO deadlines VALUES(40,3,'annual-review','la','statutory',NULL,'CFA s.44(1); CoP 9.168-9.169','2024-05-20','2025-05-19','2025-05-19',NULL,NULL,NULL,'2025-04-01','2024-05-20',NULL);
INSERT INTO deadlines VALUES(41,3,'phase-transfer-meeting','la','local','secondary to post-16 (Year 11 to 12) on 2026-09-01','local milestone','2024-05-20','2026-01-05','2026-01-05',NULL,NULL,NULL,'2025-04-01','2024-05-20',NULL);
INSERT INTO deadlines VALUES(42,3,'post16-transfer','la','statutory','secondary to post-16 (Year 11 to 12) on 2026-09-01','reg 18(1)(a)','2024-05-20','2026-03-30','2026-03-30',NULL,NULL,NULL,'2025-04-01','2024-05-20',NULL);
INSERT INTO deadlines VALUES(43,4,'assessment-decision','la','statutory',NULL,'reg 5(1); CFA s.36','2018-08-20','2018-10-01','2018-10-01','2018-09-24',NULL,NULL,NULL,'2018-08-20',NULL);
INSERT INTO deadlines VALUES(44,4,'contact','la','local',NULL,'local milestone (communication standard)','2018-08-20','2018-10-01','2018-10-01',NULL,NULL,NULL,'2019-01-07','2018-08-20',NULL);
INSERT INTO deadlines VALUES(45,4,'draft-by-week-14','la','local',NULL,'local milestone','2018-08-20','2018-11-26','2018-11-26','2018-12-10',NULL,NULL,NULL,'2018-08-20',NULL);
INSERT INTO deadlines VALUES(46,4,'issue-decision','la','statutory',NULL,'reg 10(1)','2018-08-20','2018-12-10','2018-12-10','2018-12-10',NULL,NULL,NULL,'2018-08-20',NULL);
INSERT INTO deadlines VALUES(47,4,'draft-representations','family','statutory',NULL,'reg 13(1); CFA s.38(4)','2018-12-10','2018-12-24','2018-12-24',NULL,NULL,NULL,NULL,'2018-12-10',NULL);
INSERT INTO deadlines VALUES(48,4,'final-plan','la','statutory',NULL,'reg 13(2)','2018-08-20','2019-01-07','2019-01-07','2019-01-07',NULL,NULL,NULL,'2018-08-20',NULL);
INSERT INTO deadlines VALUES(49,4,'review-notice','la','statutory',NULL,'reg 20(3)-(4), 21(3)-(4)','2019-01-22','2019-01-08','2019-01-08','2019-01-08',NULL,NULL,NULL,'2019-01-22','2019-01-23');
INSERT INTO deadlines VALUES(50,4,'review-notice','la','statutory',NULL,'reg 20(3)-(4), 21(3)-(4)','2019-01-23','2019-01-10','2019-01-10','2019-01-08',NULL,NULL,NULL,'2019-01-23',NULL);
INSERT INTO deadlines VALUES(51,4,'review-scheduled','la','local',NULL,'local milestone','2019-01-07','2019-11-11','2019-11-11','2019-01-22',NULL,NULL,NULL,'2019-01-07',NULL);
INSERT INTO deadlines VALUES(52,4,'annual-review','la','statutory',NULL,'CFA s.44(1); CoP 9.168-9.169','2019-01-07','2020-01-06','2020-01-06',NULL,NULL,NULL,NULL,'2019-01-07',NULL);
INSERT INTO deadlines VALUES(53,4,'phase-transfer-meeting','la','local','primary to secondary (Year 6 to 7) on 2023-09-01','local milestone','2019-01-07','2022-11-22','2022-11-22',NULL,NULL,NULL,'2023-09-01','2019-01-07',NULL);
INSERT INTO deadlines VALUES(54,4,'phase-transfer','la','statutory','primary to secondary (Year 6 to 7) on 2023-09-01','reg 18(1)(b); CoP 9.179','2019-01-07','2023-02-14','2023-02-14',NULL,NULL,NULL,NULL,'2019-01-07',NULL);
INSERT INTO deadlines VALUES(55,4,'phase-transfer-meeting','la','local','secondary to post-16 (Year 11 to 12) on 2028-09-01','local milestone','2019-01-07','2028-01-06','2028-01-06',NULL,NULL,NULL,'2028-09-01','2019-01-07',NULL);
INSERT INTO deadlines VALUES(56,4,'post16-transfer','la','statutory','secondary to post-16 (Year 11 to 12) on 2028-09-01','reg 18(1)(a)','2019-01-07','2028-03-30','2028-03-30',NULL,NULL,NULL,NULL,'2019-01-07',NULL);
INSERT INTO deadlines VALUES(57,5,'assessment-decision','la','statutory',NULL,'reg 5(1); CFA s.36','2025-01-06','2025-02-17','2025-02-17','2025-02-10',NULL,NULL,NULL,'2025-01-06',NULL);
INSERT INTO deadlines VALUES(58,5,'contact','la','local',NULL,'local milestone (communication standard)','2025-01-06','2025-02-17','2025-02-17',NULL,NULL,NULL,NULL,'2025-01-06',NULL);
INSERT INTO deadlines VALUES(59,5,'draft-by-week-14','la','local',NULL,'local milestone','2025-01-06','2025-04-14','2025-04-14',NULL,NULL,NULL,NULL,'2025-01-06',NULL);
INSERT INTO deadlines VALUES(60,5,'issue-decision','la','statutory',NULL,'reg 10(1)','2025-01-06','2025-04-28','2025-04-28',NULL,NULL,NULL,NULL,'2025-01-06',NULL);
INSERT INTO deadlines VALUES(61,5,'final-plan','la','statutory',NULL,'reg 13(2)','2025-01-06','2025-05-26','2025-05-23',NULL,NULL,NULL,NULL,'2025-01-06',NULL);
CREATE TABLE meta (
	name VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO meta VALUES('config_fingerprint','21f807b34edf');
CREATE TABLE audit_heads (
	case_id INTEGER NOT NULL, 
	event_id INTEGER NOT NULL, 
	hash VARCHAR NOT NULL, 
	PRIMARY KEY (case_id), 
	FOREIGN KEY(case_id) REFERENCES cases (id)
);
INSERT INTO audit_heads VALUES(1,4,'beb8b57d1acbee94ca0b11bd66abbed49fe7390a072607e06e864e9ac257bd55');
INSERT INTO audit_heads VALUES(2,14,'90429e3d7ef1e43e265d49f1652b5affc660fc3ca0b2b67dfb96a5ab91829687');
INSERT INTO audit_heads VALUES(3,19,'fa5f28891527715441decd04d7c79358504c083d0ccf3b0b063fe1ed931e9ca0');
INSERT INTO audit_heads VALUES(4,26,'baee20f0311d314309457d744105e49c6e48b6937e37822cfb74eb7a6345a501');
INSERT INTO audit_heads VALUES(5,28,'61c90f1a46f9a86ddc0f3237014cc7767728fbb995e1da3ac8947b8f808ade66');
CREATE UNIQUE INDEX ix_cases_ref ON cases (ref);
CREATE INDEX ix_cases_team ON cases (team);
CREATE INDEX ix_cases_coordinator ON cases (coordinator);
CREATE INDEX ix_events_case_date ON events (case_id, date);
CREATE INDEX ix_events_voids ON events (voids);
CREATE INDEX ix_deadlines_case_id ON deadlines (case_id);
CREATE INDEX ix_deadlines_due ON deadlines (due);
CREATE INDEX ix_deadlines_rule_due ON deadlines (rule, due);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
COMMIT;
